"""What every flow is given (the context of one event) and how flows register for buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from models.events import Incoming, Outgoing
from models.messaging import ButtonToken
from models.people import Identity, Person
from models.runtime import Runtime


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

    def reply(self, message: Outgoing | str) -> None:
        """Answer in the conversation (on LINE with the free reply token)."""
        self.replies.append(Outgoing(text=message) if isinstance(message, str) else message)


ButtonHandler = Callable[[Context, ButtonToken], Awaitable[None]]
BUTTONS: dict[str, ButtonHandler] = {}


def on_button(*actions: str) -> Callable[[ButtonHandler], ButtonHandler]:
    """Register a flow function for buttons whose action is one of `actions` ("approve", ...)."""

    def register(func: ButtonHandler) -> ButtonHandler:
        for action in actions:
            if action in BUTTONS:
                raise ValueError(f"button action {action!r} registered twice")
            BUTTONS[action] = func
        return func

    return register
