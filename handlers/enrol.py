"""Enrolment: strangers are told how to join, codes are spent, accounts are linked; help."""

from __future__ import annotations

from handlers.base import Context, on_command
from locales import _
from models import enrol as codes
from models.directory import roles_of
from models.enums import Role
from models.people import Identity

looks_like_code = codes.looks_like_code


def role_label(role: Role) -> str:
    labels = {
        Role.STAFF: _("staff"),
        Role.CHECKER: _("checker"),
        Role.APPROVER: _("approver"),
        Role.WEBMASTER: _("webmaster"),
        Role.ADMIN: _("administrator"),
    }
    return labels[role]


async def stranger(ctx: Context) -> None:
    """Someone not enrolled: a code enrols them, anything else gets the explanation only."""
    text = (ctx.incoming.text or "").strip()
    head, _sep, rest = text.partition(" ")
    candidate = rest if head.removeprefix("/").split("@")[0].lower() in ("start", "เริ่ม") else text
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
    try:
        person, kind = await codes.redeem(
            ctx.rt.org_id,
            code,
            incoming.channel,
            incoming.user,
            incoming.chat,
            display_name=incoming.display_name,
            language_code=incoming.language,
        )
    except codes.CodeRefused:
        ctx.reply(
            _(
                "That code is not valid: it may be mistyped, used already or expired. Please ask the administrator for a new one."
            )
        )
        return
    ctx.person = person
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


async def help_message(ctx: Context) -> str:
    """What this person can do: everyone's commands, then those of their roles."""
    roles = await roles_of(ctx.person.id) if ctx.person is not None else {Role.STAFF}
    lines = [
        _("What you can do:"),
        _("/new or ขอเผยแพร่ข้อมูล: ask to publish information on the website"),
        _("/status: your requests and where they are"),
        _("/cancel: stop what you are doing"),
        _("/link: connect your LINE and Telegram accounts"),
        _("/help: this message"),
    ]
    extra = []
    if Role.WEBMASTER in roles:
        extra.append(_("/tasks: publishing tasks to claim and your claimed ones (webmasters)"))
    if roles & {Role.WEBMASTER, Role.CHECKER}:
        extra.append(
            _(
                "/verbal WP-2569-0001: record that the approver approved an urgent request "
                "verbally, with how and when (webmasters and checkers)"
            )
        )
    if roles & {Role.APPROVER, Role.ADMIN}:
        extra.append(_("/reassign WP-2569-0001 NAME: hand a decision to someone (approver, admin)"))
        extra.append(_("/delegate NAME FROM UNTIL: name an acting approver (approver, admin)"))
    if roles & {Role.WEBMASTER, Role.ADMIN}:
        extra.append(
            _("/webmastergroup: typed in a group, send the tasks there (webmaster, admin)")
        )
    if Role.ADMIN in roles:
        extra.append(
            _("/import: send a CSV or XLSX of the items already on the website (admin)")
        )
    if extra:
        lines += ["", _("Approvers and webmasters:"), *extra]
    return "\n".join(lines)


@on_command("start", "เริ่ม")
async def start(ctx: Context, rest: str) -> None:
    if rest and codes.looks_like_code(rest):
        await redeem_code(ctx, rest)
        return
    ctx.reply(await help_message(ctx))


@on_command("help", "ช่วยเหลือ", "วิธีใช้", "เมนู", "menu")
async def show_help(ctx: Context, rest: str) -> None:
    ctx.reply(await help_message(ctx))


@on_command("link", "เชื่อมบัญชี")
async def link(ctx: Context, rest: str) -> None:
    """Give a one-time code to send from the other platform, or spend one given here."""
    assert ctx.person is not None
    if rest and codes.looks_like_code(rest):
        await redeem_code(ctx, rest)
        return
    code = await codes.create_link_code(ctx.rt.org_id, ctx.person.id)
    ctx.reply(
        _("Send this code to the bot on your other platform within 15 minutes: {code}").format(
            code=code
        )
    )
