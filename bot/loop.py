"""The loop the background workers share: drain what is due, then wait to be woken."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def drain_forever(
    step: Callable[[], Awaitable[int]], wakeup: asyncio.Event, idle: float, name: str
) -> None:
    """Run `step` until it finds nothing, then sleep until woken or `idle` seconds pass.

    Waking is only a shortcut: the timeout makes the database, not the event, the truth, so
    work left by another instance or a crash is found too. A failing step is logged, never fatal.
    """
    while True:
        try:
            while await step():
                pass
        except Exception:
            log.exception("%s round failed", name)
        try:
            await asyncio.wait_for(wakeup.wait(), timeout=idle)
        except TimeoutError:
            pass
        wakeup.clear()
