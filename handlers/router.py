"""Where an event goes: enrolment for strangers, buttons to their flow, commands, dialogs.

`build_router()` lists every flow's router; `handle(router, ctx)` runs the one function an
event asks for and turns a Refusal raised anywhere below into a polite answer, once.
"""

from __future__ import annotations

import logging
from datetime import UTC

from core.errors import Refusal
from handlers import (
    decide,
    delegate,
    enrol,
    groups,
    imports,
    language,
    people,
    publish,
    records,
    reminders,
    revise,
    submit,
    verbal,
    website,
)
from handlers.base import Context
from handlers.common import in_group
from handlers.guards import refuse
from handlers.routing import Router
from locales import _
from models.messaging import Dialog
from notices.buttons import find_token

log = logging.getLogger(__name__)


def build_router() -> Router:
    """Every flow's buttons, dialogs and commands in one router."""
    return Router("webpub").include(
        enrol.router,
        submit.router,
        revise.router,
        decide.router,
        verbal.router,
        publish.router,
        reminders.router,
        delegate.router,
        groups.router,
        people.router,
        language.router,
        website.router,
        imports.router,
        records.router,
    )


def split_command(router: Router, text: str) -> tuple[str | None, str]:
    """("new", rest) for "/new", "new", "/new@webpub_bot" or "ขอเผยแพร่ข้อมูล"; (None, text) otherwise."""
    stripped = text.strip()
    if not stripped:
        return None, ""
    head, _sep, rest = stripped.partition(" ")
    word = head.removeprefix("/").split("@", 1)[0].casefold()
    if word in router.words:
        return router.words[word], rest.strip()
    whole = stripped.casefold()
    if whole in router.words:
        return router.words[whole], ""
    return None, stripped


async def handle(router: Router, ctx: Context) -> None:
    """Run whatever the event asks for; replies collect on the context, refusals too."""
    try:
        await _route(router, ctx)
    except Refusal as refusal:
        refuse(ctx, refusal)


async def _route(router: Router, ctx: Context) -> None:
    incoming = ctx.incoming
    if in_group(ctx):
        await _group_event(router, ctx)
        return
    if incoming.kind in ("unfollow", "other") and ctx.person is None:
        return
    if incoming.kind in ("follow", "join"):
        await enrol.greet(ctx)
        return
    if incoming.kind == "unfollow":
        return
    if ctx.person is None:
        await enrol.stranger(ctx)
        return
    if incoming.kind == "button":
        await _button(router, ctx)
        return
    if incoming.kind == "other":
        ctx.reply(_("I can read text, files and button taps. Type /help to see what I can do."))
        return
    if incoming.text is not None and incoming.file is None:
        command, rest = split_command(router, incoming.text)
        if command is not None:
            await router.commands[command](ctx, rest)
            return
    dialog = await Dialog.get_or_none(person_id=ctx.person.id)
    if dialog is not None and dialog.flow in router.flows:
        await router.flows[dialog.flow](ctx, dialog)
        return
    if incoming.file is not None and "new" in router.commands:
        await router.commands["new"](ctx, "")
        return
    if incoming.text and enrol.looks_like_code(incoming.text):
        await enrol.redeem_code(ctx, incoming.text)
        return
    ctx.reply(await enrol.help_message(ctx))


# In a group chat only these slash commands and the answers to these dialogs are taken, so
# that the bot stays quiet while people talk.
GROUP_COMMANDS = frozenset({"webmastergroup", "tasks", "verbal", "help"})
GROUP_FLOWS = frozenset({publish.FLOW, verbal.FLOW, decide.FLOW})


async def _group_event(router: Router, ctx: Context) -> None:
    """A group chat: the bot joining or leaving, taps, and a few commands of enrolled people."""
    incoming = ctx.incoming
    if incoming.kind in ("follow", "join"):
        await groups.greet(ctx)
    elif incoming.kind == "unfollow":
        await groups.left(ctx)
    elif ctx.person is None:
        if incoming.kind == "button":
            ctx.notice = _("You are not enrolled yet.")
    elif incoming.kind == "button":
        await _button(router, ctx)
    elif incoming.text and incoming.file is None:
        command, rest = split_command(router, incoming.text)
        if command in GROUP_COMMANDS and incoming.text.lstrip().startswith("/"):
            await router.commands[command](ctx, rest)
            return
        dialog = await Dialog.get_or_none(person_id=ctx.person.id)
        if dialog is not None and dialog.flow in GROUP_FLOWS:
            await router.flows[dialog.flow](ctx, dialog)


async def _button(router: Router, ctx: Context) -> None:
    """A tap: find the token, refuse stale or unknown ones politely, else run its flow."""
    verb, _sep, token = (ctx.incoming.action or "").partition(":")
    if verb == "menu" and token in router.commands:
        await router.commands[token](ctx, "")  # the LINE rich menu
        return
    row = await find_token(token, ctx.rt.org_id) if token else None
    if row is None or row.action != verb or verb not in router.buttons:
        ctx.notice = _("This button is no longer valid.")
        ctx.reply(_("This button is no longer valid. Type /status to see your requests."))
        return
    if row.expires_at is not None and row.expires_at < ctx.now.astimezone(UTC):
        ctx.notice = _("This button has expired.")
        ctx.reply(_("This button has expired. Type /status to see your requests."))
        return
    await router.buttons[verb](ctx, row)
