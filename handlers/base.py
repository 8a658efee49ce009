"""What every flow is given: the context of one event, and a file fetched before it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.events import Incoming, Outgoing
from core.runtime import Runtime
from models.people import Identity, Person


@dataclass
class Context:
    """One incoming event being handled: who sent it, in which language, and what we answer."""

    rt: Runtime
    incoming: Incoming
    now: datetime
    locale: str
    person: Person | None = None
    identity: Identity | None = None
    replies: list[Outgoing] = field(default_factory=list)
    # Telegram: text shown on the tapped button's callback answer (toast), if any.
    notice: str | None = None
    # A file the person sent, already fetched and checked before the transaction began.
    upload: Upload | None = None
    # People whose Telegram command menu must be set again after this event: their roles or
    # language changed, or they enrolled. Add a person's id; the inbox sets the menus.
    menus: set[int] = field(default_factory=set)

    def reply(self, message: Outgoing | str) -> None:
        """Answer in the conversation (on LINE with the free reply token)."""
        self.replies.append(Outgoing(text=message) if isinstance(message, str) else message)


@dataclass(frozen=True)
class Upload:
    """A fetched file: either stored and described, or refused with a sentence saying why."""

    name: str = ""
    extension: str = ""
    mime_type: str = ""
    size: int = 0
    sha256: str = ""
    refusal: str | None = None
    # What intake.personal found: PersonalData.as_dict(), empty when nothing.
    personal: dict = field(default_factory=dict)
