"""What every flow is given (the context of one event) and how flows register for buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from core.events import Incoming, Outgoing
from core.runtime import Runtime
from models.messaging import ButtonToken, Dialog
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


FlowHandler = Callable[[Context, Dialog], Awaitable[None]]
FLOWS: dict[str, FlowHandler] = {}


def on_flow(name: str) -> Callable[[FlowHandler], FlowHandler]:
    """Register the function that takes a person's next message while their dialog is in `name`.

    Dialog rows (models.messaging.Dialog) hold the flow name, the step ("extend.ask_date") and
    the answers so far; the router loads the row and calls the flow's function with it.
    """

    def register(func: FlowHandler) -> FlowHandler:
        if name in FLOWS:
            raise ValueError(f"flow {name!r} registered twice")
        FLOWS[name] = func
        return func

    return register


CommandHandler = Callable[[Context, str], Awaitable[None]]
COMMANDS: dict[str, CommandHandler] = {}
COMMAND_WORDS: dict[str, str] = {}


def on_command(name: str, *words: str) -> Callable[[CommandHandler], CommandHandler]:
    """Register a chat command (`/new`), with the plain words that mean it ("ขอเผยแพร่ข้อมูล").

    The function gets the context and the rest of the line after the command.
    """

    def register(func: CommandHandler) -> CommandHandler:
        if name in COMMANDS:
            raise ValueError(f"command {name!r} registered twice")
        COMMANDS[name] = func
        for word in (name, *words):
            COMMAND_WORDS[word.casefold()] = name
        return func

    return register
