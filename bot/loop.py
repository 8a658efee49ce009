"""The loop the background workers share: drain what is due, then wait to be woken."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from models.db import atomic

log = logging.getLogger(__name__)

T = TypeVar("T")


FAULT_PAUSE_MAX = 5.0  # seconds between rounds while the database is away


class GroupCommit(Generic[T]):
    """Writes that arrive while a transaction is being written share the next one: one commit
    (one fsync) for many. `write_all` gets every item waiting and runs inside the transaction;
    each caller's `add` returns once its item is committed, or raises what the commit raised."""

    def __init__(self, write_all: Callable[[list[T]], Awaitable[None]]) -> None:
        self.write_all = write_all
        self._waiting: list[tuple[T, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def add(self, item: T) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await done

    async def settled(self) -> None:
        """Wait for the commit under way, if any."""
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with atomic():
                    await self.write_all([item for item, _done in batch])
            except Exception as exc:
                for _item, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _item, done in batch:
                if not done.done():
                    done.set_result(None)


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
