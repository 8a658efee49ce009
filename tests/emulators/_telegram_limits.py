"""The Bot API's flood limits, opt-in for the Telegram emulator: overall, per chat, per group.

Bots FAQ (https://core.telegram.org/bots/faq, "My bot is hitting limits"): at most one message
a second to a chat (short bursts tolerated), about 30 a second overall, at most 20 a minute to
a group. The exact limits are undocumented; these are the emulator's reading of them:

- overall: at most `overall` accepted sends in any sliding second, all chats together;
- a private chat (positive chat_id): a token bucket of `chat_burst` tokens refilling at
  `per_chat` a second;
- a group or supergroup (negative chat_id, or an @username): at most `group_per_minute`
  accepted sends in any sliding 60 seconds.

A refused call is answered 429 with `parameters.retry_after`, the whole seconds until it would
have been allowed (at least 1); it delivers nothing and takes nothing from any allowance.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from ._server import Clock

OVERALL_PER_SECOND = 30  # Bots FAQ: about 30 messages a second to different chats
PER_CHAT_PER_SECOND = 1.0  # Bots FAQ: at most one message a second to a chat
CHAT_BURST = 3  # undocumented: the FAQ only says "short bursts" to a chat are tolerated
GROUP_PER_MINUTE = 20  # Bots FAQ: at most 20 messages a minute to a group
# What counts as a message: sends and edits (editing is flood-limited on Telegram too);
# answerCallbackQuery, sendChatAction, getFile and the setup calls do not.
LIMITED_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
    }
)


@dataclass(frozen=True)
class LimitedCall:
    """A call the flood limits refused: when, to which chat, the retry_after it was given and
    the allowance that ran out ("overall", "chat" or "group")."""

    time: float
    chat_id: int | str
    method: str
    retry_after: int
    limit: str


@dataclass
class FloodLimits:
    """The allowances and what was accepted against them; `wait` then `accept` for each call."""

    overall: int = OVERALL_PER_SECOND
    per_chat: float = PER_CHAT_PER_SECOND
    chat_burst: int = CHAT_BURST
    group_per_minute: int = GROUP_PER_MINUTE
    methods: frozenset[str] = LIMITED_METHODS
    accepted: dict[int | str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _recent: deque[float] = field(default_factory=deque)
    _buckets: dict[int | str, tuple[float, float]] = field(default_factory=dict)
    _group_recent: dict[int | str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def wait(self, chat_id: int | str, now: float) -> float:
        """Seconds until a send to `chat_id` is allowed; 0 when it is allowed now."""
        return max(self.waits(chat_id, now).values())

    def waits(self, chat_id: int | str, now: float) -> dict[str, float]:
        """The wait each allowance imposes: "overall", and "chat" or "group"."""
        waits = {"overall": _window_wait(self._recent, self.overall, 1.0, now)}
        if is_group(chat_id):
            recent = self._group_recent[chat_id]
            waits["group"] = _window_wait(recent, self.group_per_minute, 60.0, now)
        else:
            tokens = self._tokens(chat_id, now)
            waits["chat"] = 0.0 if tokens >= 1 else (1 - tokens) / self.per_chat
        return waits

    def accept(self, chat_id: int | str, now: float) -> None:
        """Count a delivered send against every allowance it falls under."""
        self.accepted[chat_id].append(now)
        self._recent.append(now)
        if is_group(chat_id):
            self._group_recent[chat_id].append(now)
        else:
            self._buckets[chat_id] = (self._tokens(chat_id, now) - 1, now)

    def _tokens(self, chat_id: int | str, now: float) -> float:
        tokens, stamp = self._buckets.get(chat_id, (float(self.chat_burst), now))
        return min(float(self.chat_burst), tokens + (now - stamp) * self.per_chat)


def is_group(chat_id: int | str) -> bool:
    """Groups and supergroups have negative ids; an @username names a channel or supergroup."""
    return isinstance(chat_id, str) or chat_id < 0


def _window_wait(times: deque[float], limit: int, span: float, now: float) -> float:
    """Drop times older than `span`; the wait until fewer than `limit` remain in the window."""
    while times and times[0] <= now - span:
        times.popleft()
    if len(times) < limit:
        return 0.0
    return times[len(times) - limit] + span - now


class LimitMethods:
    """Mixed into TelegramEmulator: `enforce_limits()` and the check around limited methods."""

    clock: Clock
    flood: FloodLimits | None
    limited: int
    limited_calls: list[LimitedCall]
    _error: Callable[..., web.Response]

    def enforce_limits(
        self,
        overall: int = OVERALL_PER_SECOND,
        per_chat: float = PER_CHAT_PER_SECOND,
        chat_burst: int = CHAT_BURST,
        group_per_minute: int = GROUP_PER_MINUTE,
        *,
        methods: frozenset[str] = LIMITED_METHODS,
    ) -> FloodLimits:
        """Answer sends and edits beyond the Bot API's flood limits with 429 (off by default).

        Calling it again starts afresh; `methods` are lower-case Bot API method names.
        """
        self.flood = FloodLimits(overall, per_chat, chat_burst, group_per_minute, methods)
        return self.flood

    def sends_to(self, chat_id: int | str) -> list[float]:
        """When the flood limits accepted each send or edit to `chat_id` (empty when off)."""
        return list(self.flood.accepted.get(chat_id, [])) if self.flood else []

    def _flood_refusal(self, method: str, params: dict) -> web.Response | None:
        """A 429 when this call goes beyond a flood limit; None when it may go ahead."""
        chat_id = params.get("chat_id")
        if self.flood is None or method.lower() not in self.flood.methods:
            return None
        if not isinstance(chat_id, int | str) or chat_id == "":
            return None  # the method itself answers 400
        now = self.clock()
        waits = self.flood.waits(chat_id, now)
        limit = max(waits, key=waits.__getitem__)
        if waits[limit] <= 0:
            return None
        retry_after = max(1, math.ceil(waits[limit]))
        self.limited += 1
        self.limited_calls.append(LimitedCall(now, chat_id, method, retry_after, limit))
        return self._error(
            429,
            f"Too Many Requests: retry after {retry_after}",
            {"parameters": {"retry_after": retry_after}},
        )

    def _flood_accept(self, method: str, params: dict) -> None:
        """Count a call that succeeded against the allowances."""
        if self.flood is not None and method.lower() in self.flood.methods:
            self.flood.accept(params["chat_id"], self.clock())
