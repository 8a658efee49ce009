"""How an event finds its function: one Router per flow module, composed by `build_router`.

As in aiogram, each flow module owns a `router` and registers its buttons, dialogs and
commands on it with decorators; `handlers.router.build_router()` includes every flow's router
into one, held by the app. Nothing global is filled by importing a module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from handlers.base import Context
from models.messaging import ButtonToken, Dialog

ButtonHandler = Callable[[Context, ButtonToken], Awaitable[None]]
FlowHandler = Callable[[Context, Dialog], Awaitable[None]]
CommandHandler = Callable[[Context, str], Awaitable[None]]
H = TypeVar("H")


class Router:
    """Buttons by action, dialogs by flow name, commands by name and by the words that mean them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.buttons: dict[str, ButtonHandler] = {}
        self.flows: dict[str, FlowHandler] = {}
        self.commands: dict[str, CommandHandler] = {}
        self.words: dict[str, str] = {}

    def button(self, *actions: str) -> Callable[[ButtonHandler], ButtonHandler]:
        """Take taps on buttons whose action is one of `actions` ("approve", ...)."""

        def register(func: ButtonHandler) -> ButtonHandler:
            for action in actions:
                _add(self.buttons, action, func, "button action")
            return func

        return register

    def flow(self, name: str) -> Callable[[FlowHandler], FlowHandler]:
        """Take a person's next message while their dialog is in flow `name`.

        Dialog rows (models.messaging.Dialog) hold the flow name, the step ("extend.ask_date")
        and the answers so far; the router loads the row and calls the function with it.
        """

        def register(func: FlowHandler) -> FlowHandler:
            _add(self.flows, name, func, "flow")
            return func

        return register

    def command(self, name: str, *words: str) -> Callable[[CommandHandler], CommandHandler]:
        """A chat command (`/new`), with the plain words that mean it ("ขอเผยแพร่ข้อมูล").

        The function gets the context and the rest of the line after the command.
        """

        def register(func: CommandHandler) -> CommandHandler:
            _add(self.commands, name, func, "command")
            for word in (name, *words):
                _add(self.words, word.casefold(), name, "command word")
            return func

        return register

    def include(self, *routers: Router) -> Router:
        """Take every route of these routers; a name claimed twice is a mistake, said at start."""
        for other in routers:
            for action, func in other.buttons.items():
                _add(self.buttons, action, func, "button action")
            for name, flow in other.flows.items():
                _add(self.flows, name, flow, "flow")
            for name, command in other.commands.items():
                _add(self.commands, name, command, "command")
            for word, name in other.words.items():
                _add(self.words, word, name, "command word")
        return self


def _add(table: dict[str, H], key: str, value: H, what: str) -> None:
    if key in table and table[key] is not value:
        raise ValueError(f"{what} {key!r} registered twice")
    table[key] = value
