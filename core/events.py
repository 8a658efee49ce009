"""The neutral vocabulary at the edge: what came in from a platform and what goes out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class FileRef:
    """A file a person sent, as the platform describes it (not yet downloaded)."""

    file_id: str
    name: str
    size: int | None = None
    mime_type: str | None = None
    kind: str = "document"  # document | image | video | audio


@dataclass(frozen=True)
class Incoming:
    """One thing a person did in a chat, whatever the platform."""

    channel: str
    user: str
    chat: str
    event_id: str
    kind: str = "message"  # message | button | follow | unfollow | join | other
    text: str | None = None
    action: str | None = None  # "verb:token" from a button
    date: str | None = None  # ISO date from a date picker
    file: FileRef | None = None
    reply_token: str | None = None
    language: str | None = None
    display_name: str = ""
    callback_id: str | None = None  # Telegram callback query to answer
    message_id: str | None = None  # the platform message a button sat on

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Incoming:
        data = dict(data)
        if data.get("file"):
            data["file"] = FileRef(**data["file"])
        return cls(**data)


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # "verb:token"
    style: str = "secondary"  # primary | secondary | danger


@dataclass(frozen=True)
class DatePicker:
    label: str
    action: str
    initial: str | None = None  # ISO dates
    min: str | None = None
    max: str | None = None


@dataclass(frozen=True)
class Card:
    """A summary shown as a LINE flex bubble or a formatted Telegram message."""

    title: str
    fields: tuple[tuple[str, str], ...] = ()
    urgent: bool = False
    footer: str = ""


# Outgoing.extra key: the message carries a one-time code, wiped from the outbox once delivered.
SECRET = "secret"


@dataclass(frozen=True)
class Outgoing:
    """One message to one chat, before a channel renders it."""

    text: str
    buttons: tuple[Button, ...] = ()
    date_picker: DatePicker | None = None
    card: Card | None = None
    files: tuple[int, ...] = ()  # attachment ids
    link: str | None = None  # a URL the message is about (signed download, published page)
    edit_of: int | None = None  # outbox id whose buttons this message removes
    quick: bool = True  # LINE: buttons as quick replies rather than a template
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outgoing:
        data = dict(data)
        data["buttons"] = tuple(Button(**b) for b in data.get("buttons", ()))
        if data.get("date_picker"):
            data["date_picker"] = DatePicker(**data["date_picker"])
        if data.get("card"):
            card = dict(data["card"])
            card["fields"] = tuple(tuple(f) for f in card.get("fields", ()))
            data["card"] = Card(**card)
        data["files"] = tuple(data.get("files", ()))
        return cls(**data)
