"""The loop the background workers share: drain what is due, then wait to be woken."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


FAULT_PAUSE_MAX = 5.0  # seconds between rounds while the database is away


class Bell:
    """Wakes one idle worker of a group per ring, not all of them (they would only race for
    the same rows); a worker that finds more than it takes rings again."""

    def __init__(self) -> None:
        self._idle: list[asyncio.Event] = []

    def set(self) -> None:
        if self._idle:
            self._idle.pop().set()


async def drain_forever(
    step: Callable[[], Awaitable[int]],
    wakeup: asyncio.Event,
    idle: float,
    name: str,
    on_fault: Callable[[BaseException], str | None] | None = None,
    bell: Bell | None = None,
) -> None:
    """Run `step` until it finds nothing, then sleep until woken or `idle` seconds pass.

    Waking is only a shortcut: the timeout makes the database, not the event, the truth, so
    work left by another instance or a crash is found too. With a `bell`, the worker waits as
    one of a group that a ring wakes one at a time. A failing step is logged, never fatal; while the database is away (`on_fault` names the fault) rounds come less often.
    """
    pause = idle
    while True:
        try:
            while await step():
                pass
            pause = idle
        except Exception as exc:
            kind = on_fault(exc) if on_fault is not None else None
            if kind is None:
                log.exception("%s round failed", name)
            else:
                log.warning("%s round failed, database %s: %s", name, kind, exc)
                pause = min(max(pause, idle) * 2, FAULT_PAUSE_MAX)
        if bell is not None:
            bell._idle.append(wakeup)
        try:
            await asyncio.wait_for(wakeup.wait(), timeout=pause)
        except TimeoutError:
            pass
        finally:
            if bell is not None and wakeup in bell._idle:
                bell._idle.remove(wakeup)
        wakeup.clear()
