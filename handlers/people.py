"""`/people`: an admin sees who is enrolled, changes roles, deactivates and invites, in chat.

    /people ──► everyone, a button each, [Invite]
      [person] ──► their roles: [+ role] / [− role] ... [Deactivate] or [Activate]
      [Invite] ──► people.invite_name ──typed name──► a one-time code to forward

Every tap re-checks that the tapper is still an admin, and every change goes through
procedure.people (audit event, hand-over, the admins told).
"""

from __future__ import annotations

from core.errors import Refusal
from core.events import SECRET, Outgoing
from handlers.base import Context
from handlers.common import personal_button
from handlers.guards import own_button, require_role, role_label, typed_text
from handlers.routing import Router
from locales import _
from models.directory import roles_of
from models.enrol import create_invite
from models.enums import Role
from models.messaging import ButtonToken, Dialog
from procedure.people import activate, change_roles, deactivate, find_person_any
from records.listing import people_rows

FLOW = "people"
ASK_NAME = "people.invite_name"
LISTED_MAX = 12  # LINE: at most 13 quick-reply buttons, one is Invite
NAME_MAX = 200
CHANGEABLE = (Role.APPROVER, Role.CHECKER, Role.WEBMASTER, Role.ADMIN)

router = Router("people")


@router.command("people", "บุคลากร", "ผู้ใช้งาน")
async def people_command(ctx: Context, rest: str) -> None:
    """The list of people with a button each, and Invite."""
    await require_role(ctx, Role.ADMIN)
    rows = await people_rows(ctx.rt)
    lines = [_("People enrolled (tap a name to change roles):")]
    buttons = []
    for row in rows:
        state = "" if row["active"] else " · " + _("deactivated")
        roles = ", ".join(role_label(Role(r)) for r in row["roles"].split(","))
        lines.append(f"{row['id']}. {row['name']}: {roles}{state}")
        if len(buttons) < LISTED_MAX:
            buttons.append(
                await personal_button(ctx, row["name"], "person", None, data={"person": row["id"]})
            )
    buttons.append(await personal_button(ctx, _("Invite"), "person_invite", None, "primary"))
    ctx.reply(Outgoing(text="\n".join(lines), buttons=tuple(buttons)))


async def _admin_tap(ctx: Context, token: ButtonToken):
    """The person a tap is about; refuse unless the tapper is (still) an admin."""
    own_button(ctx, token)
    await require_role(ctx, Role.ADMIN)
    return await find_person_any(ctx.rt.org_id, str(token.data.get("person", "")))


@router.button("person")
async def person_shown(ctx: Context, token: ButtonToken) -> None:
    """One person's roles, with a button to give or take each, and (de)activation."""
    person = await _admin_tap(ctx, token)
    await _show(ctx, person)


async def _show(ctx: Context, person) -> None:
    held = await roles_of(person.id) if person.active else set()
    buttons = []
    for role in CHANGEABLE:
        sign, add = ("−", False) if role in held else ("+", True)
        buttons.append(
            await personal_button(
                ctx,
                f"{sign} {role_label(role)}",
                "person_role",
                None,
                data={"person": person.id, "role": role.value, "add": add},
            )
        )
    if person.active:
        label, style = _("Deactivate"), "danger"
    else:
        label, style = _("Activate"), "primary"
    buttons.append(
        await personal_button(ctx, label, "person_active", None, style, data={"person": person.id})
    )
    if person.active:
        roles = ", ".join(role_label(r) for r in sorted(held, key=list(Role).index))
        text = _("{name}: {roles}").format(name=person.name, roles=roles)
    else:
        text = _("{name} is deactivated.").format(name=person.name)
    ctx.reply(Outgoing(text=text, buttons=tuple(buttons)))


@router.button("person_role")
async def role_tapped(ctx: Context, token: ButtonToken) -> None:
    """Give or take one role; it counts from the person's next tap."""
    person = await _admin_tap(ctx, token)
    role = Role(token.data["role"])
    add, remove = ({role}, set()) if token.data.get("add") else (set(), {role})
    await change_roles(ctx.rt, person, add, remove, ctx.person.id, ctx.now)
    ctx.menus.add(person.id)  # their Telegram menu shows what the new roles allow
    ctx.notice = _("Roles changed")
    await _show(ctx, person)


@router.button("person_active")
async def active_tapped(ctx: Context, token: ButtonToken) -> None:
    """Deactivate an active person (their work is handed on) or activate a deactivated one."""
    person = await _admin_tap(ctx, token)
    if person.id == ctx.person.id:
        raise Refusal(_("You cannot deactivate yourself; ask another administrator."))
    if person.active:
        await deactivate(ctx.rt, person, ctx.person.id, ctx.now)
        person.active = False
    else:
        await activate(ctx.rt, person, ctx.person.id, ctx.now)
        person.active = True
    await _show(ctx, person)


@router.button("person_invite")
async def invite_tapped(ctx: Context, token: ButtonToken) -> None:
    own_button(ctx, token)
    await require_role(ctx, Role.ADMIN)
    await Dialog.filter(person_id=ctx.person.id).delete()
    await Dialog.create(person_id=ctx.person.id, flow=FLOW, step=ASK_NAME, data={})
    ctx.reply(_("Please type the full name of the person to invite; /cancel stops."))


@router.flow(FLOW)
async def name_typed(ctx: Context, dialog: Dialog) -> None:
    """The invitee's name: a one-time code comes back, to forward to them."""
    await require_role(ctx, Role.ADMIN)
    name = typed_text(ctx, NAME_MAX)
    await dialog.delete()
    code = await create_invite(ctx.rt.org_id, Role.STAFF, name, key=ctx.rt.secret_key)
    text = _(
        "Invitation for {name}: {code}\nForward it to them: they send it to the bot (on Telegram: "
        "/start {code}) within 14 days. Give roles with /people once they are enrolled."
    ).format(name=name, code=code)
    ctx.reply(Outgoing(text=text, extra={SECRET: True}))
