"""How fast the outbox may send: each platform's limits, kept so that a 429 is rare, not routine.

`Gate` holds one platform to its overall rate (at most `rate` calls in any `window` seconds)
and lets an answer someone is waiting for go before any queued notification. `ChatPacer`
spaces the messages to one Telegram chat: about one a second with short bursts, at most 20
a minute to a group. Both are in-process; with several instances the outbox worker divides
the overall rate between them and looks in the database for what the others sent a chat.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from collections.abc import Callable

URGENT, QUEUED = 0, 1  # who goes first through a gate: a reply, then a notification


class Gate:
    """At most `rate` passes in any `window` seconds, spaced evenly within the window (a
    platform counting its own second sees them spread, not bunched at its edges, and a
    little jitter on the way adds no 429); waiting urgent callers go first."""

    def __init__(self, rate: int, window: float = 1.0, clock: Callable[[], float] | None = None):
        self.rate, self.window = rate, window
        self.full_rate = rate  # what one instance alone may send; `rate` is its share
        self.clock = clock or asyncio.get_running_loop().time
        self._passed: deque[float] = deque()
        self._due = 0.0  # when the next pass is due at the even pace (a tenth of the rate may
        # go at once, so an answer after a quiet spell never waits for the pace)
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._pump: asyncio.Task[None] | None = None

    def try_take(self) -> bool:
        """Pass now if the gate is free, else not at all (for what can be left out)."""
        if self._waiting or not self._free():
            return False
        self._pass()
        return True

    async def take(self, priority: int = QUEUED) -> None:
        if not self._waiting and self._free():
            self._pass()
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._let_through())
        await future

    def _free(self) -> bool:
        now = self.clock()
        while self._passed and self._passed[0] <= now - self.window:
            self._passed.popleft()
        return len(self._passed) < self.rate and self._due - self._ahead() <= now

    def _pass(self) -> None:
        now = self.clock()
        self._passed.append(now)
        self._due = max(self._due, now) + self.window / self.rate

    def _ahead(self) -> float:
        """How far ahead of the even pace passes may run: a tenth of the rate."""
        return (max(1, self.rate // 10) - 1) * self.window / self.rate

    def _next_free(self) -> float:
        """Seconds until the next pass may happen."""
        now = self.clock()
        later = self._passed[0] + self.window - now if len(self._passed) >= self.rate else 0.0
        return max(later, self._due - self._ahead() - now, 0.0)

    async def _let_through(self) -> None:
        while self._waiting:
            if not self._free():
                await asyncio.sleep(self._next_free() or 0.001)
                continue
            _priority, _order, future = heapq.heappop(self._waiting)
            if not future.done():  # a caller that gave up (cancelled) lets the next one in
                self._pass()
                future.set_result(None)


class ChatPacer:
    """Telegram's per-chat limits: a bucket of `burst` refilled at `per_second` for a private
    chat; at most `group_per_minute` in any minute for a group (negative chat ids)."""

    def __init__(
        self,
        per_second: float = 1.0,
        burst: int = 3,
        group_per_minute: int = 20,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.per_second, self.burst, self.group_per_minute = per_second, burst, group_per_minute
        self.clock = clock or asyncio.get_running_loop().time
        self._buckets: dict[str, tuple[float, float]] = {}  # chat -> (tokens, when)
        self._groups: dict[str, deque[float]] = {}

    def wait(self, chat: str) -> float:
        """Seconds before the chat may get its next message (0: now)."""
        now = self.clock()
        if chat.startswith("-"):
            sent = self._recent(chat, now)
            return sent[0] + 60.0 - now if len(sent) >= self.group_per_minute else 0.0
        tokens = self._tokens(chat, now)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.per_second

    def sent(self, chat: str) -> None:
        """A message to the chat goes out now."""
        now = self.clock()
        if chat.startswith("-"):
            self._recent(chat, now).append(now)
            return
        self._buckets[chat] = (self._tokens(chat, now) - 1, now)
        if len(self._buckets) > 10_000:  # forget the chats whose buckets are full again
            full = now - self.burst / self.per_second
            self._buckets = {k: v for k, v in self._buckets.items() if v[1] > full}

    def _tokens(self, chat: str, now: float) -> float:
        tokens, when = self._buckets.get(chat, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - when) * self.per_second)

    def _recent(self, chat: str, now: float) -> deque[float]:
        sent = self._groups.setdefault(chat, deque())
        while sent and sent[0] <= now - 60.0:
            sent.popleft()
        return sent
