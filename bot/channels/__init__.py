"""Platform adapters: each turns its platform's webhooks into Incoming and sends Outgoing.

The adapters are the only modules that import a platform SDK; they hold no business rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from core.events import FileRef, Incoming
from models.messaging import OutboxMessage


class WebhookRejected(Exception):
    """A webhook that is refused before anything is stored: 401 forged, 400 malformed."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


JSON_DEPTH_MAX = 32  # platform payloads nest about 6 deep; deeper is an attack on the parsers


def parse_json(body: bytes | str) -> Any:
    """A webhook body as JSON, or a 400: malformed, or nested deeper than any platform nests."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise WebhookRejected(400, f"malformed body: {type(exc).__name__}") from None
    if _depth_over(data, JSON_DEPTH_MAX):
        raise WebhookRejected(400, f"body nested deeper than {JSON_DEPTH_MAX} levels")
    return data


def _depth_over(data: Any, limit: int) -> bool:
    """Whether lists and objects nest deeper than limit (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


@dataclass(frozen=True)
class RawEvent:
    """A verified platform event, kept as the platform sent it until the inbox handles it."""

    event_id: str
    data: dict
    chat: str = ""  # where it happened and who did it, read without the SDK: the inbox keeps
    user: str = ""  # the order of each chat's and each sender's events by these


@dataclass(frozen=True)
class Delivery:
    """How one send attempt went."""

    ok: bool
    message_id: str | None = None
    retry_after: float | None = None  # the platform asked us to wait this long
    permanent: bool = False  # retrying the same request cannot succeed
    reply_refused: bool = False  # the reply token was spent or expired: push instead
    used_push: bool = False
    out_of_quota: bool = False  # LINE: this month's pushes are used up
    rate_limited: bool = False  # a 429 that asks us to wait: not counted as a failure
    maybe_sent: bool = False  # no answer came: the platform may have delivered it
    error: str = ""


@dataclass(frozen=True)
class FileFetch:
    data: bytes | None
    refusal: str | None = None  # a platform limit or a vanished file, said to the person


class Channel(Protocol):
    name: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def verify_webhook(self, body: bytes, headers: dict[str, str]) -> list[RawEvent]: ...

    def to_incoming(self, data: dict) -> Incoming | None: ...

    async def deliver(self, rows: list[OutboxMessage], files: AttachmentSource) -> Delivery: ...

    async def download(self, file: FileRef) -> FileFetch: ...

    async def acknowledge(self, incoming: Incoming, text: str | None) -> None: ...

    async def profile_language(self, user: str) -> str | None:
        """The language a platform account is set to, where the webhook does not carry it."""
        ...

    async def show_working(self, incoming: Incoming, seconds: int) -> None: ...


@runtime_checkable
class CommandMenus(Protocol):
    """A platform with a command menu (Telegram): everyone's by language, or one chat's."""

    async def set_menu(
        self,
        commands: list[tuple[str, str]],
        *,
        chat_id: str | None = None,
        language: str | None = None,
    ) -> None: ...


class AttachmentSource(Protocol):
    """Where renderers get a request's files: bytes for upload, a signed link for LINE."""

    async def read(self, attachment_id: int) -> tuple[str, bytes] | None: ...

    async def link(self, attachment_id: int) -> tuple[str, str] | None: ...
