"""Enrolment: strangers are told how to join, codes are spent, accounts are linked; help."""

from __future__ import annotations

from collections.abc import Callable

from core.events import SECRET, Outgoing
from handlers.base import Context
from handlers.guards import role_label
from handlers.routing import Router
from locales import _
from models import enrol as codes
from models.directory import roles_of
from models.enums import Role
from models.people import Identity
from procedure.enrolment import Account, spend_code

looks_like_code = codes.looks_like_code


router = Router("enrol")


async def stranger(ctx: Context) -> None:
    """Someone not enrolled: a code enrols them, anything else gets the explanation only."""
    text = (ctx.incoming.text or "").strip()
    head, _sep, rest = text.partition(" ")
    command = head.removeprefix("/").split("@")[0].lower()
    candidate = rest if command in ("start", "เริ่ม", "link", "เชื่อมบัญชี") else text
    if candidate and codes.looks_like_code(candidate):
        await redeem_code(ctx, candidate)
        return
    if ctx.incoming.kind == "button":
        ctx.notice = _("You are not enrolled yet.")
    ctx.reply(how_to_enrol(ctx))


def how_to_enrol(ctx: Context) -> str:
    org = ctx.rt.org.organization
    return _(
        "Hello! This is the website publishing service of {org}. To use it, ask the "
        "administrator for a one-time invitation code and send it here (on Telegram: "
        "/start CODE)."
    ).format(org=org.name_th if ctx.locale == "th" else org.name_en)


async def redeem_code(ctx: Context, code: str) -> None:
    incoming = ctx.incoming
    account = Account(
        incoming.channel, incoming.user, incoming.chat, incoming.display_name, incoming.language
    )
    person, kind = await spend_code(ctx.rt, account, code, ctx.now)  # a Refusal says why not
    ctx.person = person
    ctx.menus.add(person.id)  # roles (or a new platform) to show in Telegram's menu
    ctx.identity = await Identity.get(channel=incoming.channel, platform_user_id=incoming.user)
    roles = sorted(await roles_of(person.id), key=list(Role).index)
    if kind == "link":
        ctx.reply(_("Your accounts are now linked, {name}.").format(name=person.name))
        return
    ctx.reply(
        _("Welcome, {name}! You are enrolled as: {roles}.").format(
            name=person.name, roles=", ".join(role_label(r) for r in roles)
        )
        + "\n\n"
        + await help_message(ctx)
    )


async def greet(ctx: Context) -> None:
    """A new friend or a new group: say hello and what to do next."""
    if ctx.person is not None:
        ctx.reply(
            _("Welcome back, {name}!").format(name=ctx.person.name)
            + "\n\n"
            + await help_message(ctx)
        )
    elif ctx.incoming.kind == "follow":
        ctx.reply(how_to_enrol(ctx))


# What /help lists, and Telegram's command menu with it: (command, roles that see it or None
# for everyone, the help line "/command ...: what it does"). The menu shows each command with
# the words after the line's first ": ", so the two always agree.
HELP_ENTRIES: tuple[tuple[str, frozenset[Role] | None, Callable[[], str]], ...] = (
    ("new", None, lambda: _("/new or ขอเผยแพร่ข้อมูล: ask to publish information on the website")),
    ("status", None, lambda: _("/status: your requests and where they are")),
    ("cancel", None, lambda: _("/cancel: stop what you are doing")),
    ("link", None, lambda: _("/link: connect your LINE and Telegram accounts")),
    ("language", None, lambda: _("/language: ภาษาไทย or English")),
    ("help", None, lambda: _("/help: this message")),
    (
        "tasks",
        frozenset({Role.WEBMASTER}),
        lambda: _("/tasks: publishing tasks to claim and your claimed ones (webmasters)"),
    ),
    (
        "verbal",
        frozenset({Role.WEBMASTER, Role.CHECKER}),
        lambda: _(
            "/verbal WP-2569-0001: record that the approver approved an urgent request "
            "verbally, with how and when (webmasters and checkers)"
        ),
    ),
    (
        "reassign",
        frozenset({Role.APPROVER, Role.ADMIN}),
        lambda: _("/reassign WP-2569-0001 NAME: hand a decision to someone (approver, admin)"),
    ),
    (
        "delegate",
        frozenset({Role.APPROVER, Role.ADMIN}),
        lambda: _("/delegate NAME FROM UNTIL: name an acting approver (approver, admin)"),
    ),
    (
        "webmastergroup",
        frozenset({Role.WEBMASTER, Role.ADMIN}),
        lambda: _("/webmastergroup: typed in a group, send the tasks there (webmaster, admin)"),
    ),
    (
        "report",
        frozenset({Role.WEBMASTER, Role.ADMIN}),
        lambda: _(
            "/report [YEAR]: the yearly report and this month's completeness (webmaster, admin)"
        ),
    ),
    (
        "people",
        frozenset({Role.ADMIN}),
        lambda: _("/people: who is enrolled, roles, deactivate, invite (admin)"),
    ),
    (
        "import",
        frozenset({Role.ADMIN}),
        lambda: _("/import: send a CSV or XLSX of the items already on the website (admin)"),
    ),
)


def help_entries(roles: set[Role]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(everyone's, role-specific) as (command, help line), in the current locale."""
    common, extra = [], []
    for command, seen_by, line in HELP_ENTRIES:
        if seen_by is None:
            common.append((command, line()))
        elif roles & seen_by:
            extra.append((command, line()))
    return common, extra


def command_menu(roles: set[Role]) -> list[tuple[str, str]]:
    """Telegram's command menu for someone with these roles: the commands /help shows them."""
    common, extra = help_entries(roles)
    return [(command, line.partition(": ")[2] or line) for command, line in common + extra]


async def help_message(ctx: Context) -> str:
    """What this person can do: everyone's commands, then those of their roles."""
    roles = (
        await roles_of(ctx.person.id, active=ctx.person.active)
        if ctx.person is not None
        else {Role.STAFF}
    )
    common, extra = help_entries(roles)
    lines = [_("What you can do:"), *(line for _command, line in common)]
    if extra:
        lines += ["", _("Approvers and webmasters:"), *(line for _command, line in extra)]
    return "\n".join(lines)


@router.command("start", "เริ่ม")
async def start(ctx: Context, rest: str) -> None:
    if rest and codes.looks_like_code(rest):
        await redeem_code(ctx, rest)
        return
    ctx.reply(await help_message(ctx))


@router.command("help", "ช่วยเหลือ", "วิธีใช้", "เมนู", "menu")
async def show_help(ctx: Context, rest: str) -> None:
    ctx.reply(await help_message(ctx))


@router.command("link", "เชื่อมบัญชี")
async def link(ctx: Context, rest: str) -> None:
    """Give a one-time code to send from the other platform, or spend one given here."""
    assert ctx.person is not None
    if rest and codes.looks_like_code(rest):
        await redeem_code(ctx, rest)
        return
    code = await codes.create_link_code(ctx.rt.org_id, ctx.person.id, key=ctx.rt.secret_key)
    text = _("Send this code to the bot on your other platform within 10 minutes: {code}")
    # The code is wiped from the outbox once delivered (bot/delivery.py): not kept in clear.
    ctx.reply(Outgoing(text=text.format(code=code), extra={SECRET: True}))
