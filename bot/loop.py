"""The loop the background workers share: drain what is due, then wait to be woken."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


FAULT_PAUSE_MAX = 5.0  # seconds between rounds while the database is away


async def drain_forever(
    step: Callable[[], Awaitable[int]],
    wakeup: asyncio.Event,
    idle: float,
    name: str,
    on_fault: Callable[[BaseException], str | None] | None = None,
) -> None:
    """Run `step` until it finds nothing, then sleep until woken or `idle` seconds pass.

    Waking is only a shortcut: the timeout makes the database, not the event, the truth, so
    work left by another instance or a crash is found too. A failing step is logged, never
    fatal; while the database is away (`on_fault` names the fault) rounds come less often.
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
        try:
            await asyncio.wait_for(wakeup.wait(), timeout=pause)
        except TimeoutError:
            pass
        wakeup.clear()
