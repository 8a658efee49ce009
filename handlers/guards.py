"""The checks every tap and typed answer goes through, written once: who may, which dialog, what text.

Each guard returns what it found or raises a Refusal that the router says politely; a
refused event changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from core.errors import Refusal
from handlers.base import Context
from locales import _
from models.directory import may_decide, roles_of
from models.enums import Role
from models.messaging import ButtonToken, Dialog
from models.request import Request


def stale() -> Refusal:
    return Refusal(_("This button is no longer valid. Type /status to see your requests."))


def earlier_question() -> Refusal:
    return Refusal(_("That button belongs to an earlier question."))


def refuse(ctx: Context, refusal: Refusal) -> None:
    """Say no politely, on the button's toast (Telegram) and in the chat."""
    ctx.notice = refusal.message[:200]
    ctx.reply(refusal.message)


async def require_role(ctx: Context, *roles: Role) -> None:
    """Refuse unless the person holds one of the roles (checked on every tap)."""
    held = await roles_of(ctx.person.id, active=ctx.person.active) if ctx.person else set()
    if not held & set(roles):
        raise Refusal(_("Sorry, only {roles} can do this.").format(roles=role_names(roles)))


def role_label(role: Role) -> str:
    labels = {
        Role.STAFF: _("staff"),
        Role.CHECKER: _("checker"),
        Role.APPROVER: _("approver"),
        Role.WEBMASTER: _("webmaster"),
        Role.ADMIN: _("administrator"),
    }
    return labels[role]


def role_names(roles: tuple[Role, ...]) -> str:
    return _(" or ").join(role_label(r) for r in roles)


def own_button(ctx: Context, token: ButtonToken) -> None:
    """A follow-up button belongs to the person it was given to."""
    if ctx.person is None or token.person_id != ctx.person.id:
        raise Refusal(_("This button was given to someone else."))


async def own_dialog(
    ctx: Context,
    flow: str,
    belongs: Callable[[Dialog], bool],
    *,
    refusal: Callable[[], Refusal] = earlier_question,
) -> Dialog:
    """The person's open dialog of `flow` that a button or answer belongs to; else refuse."""
    dialog = await Dialog.get_or_none(person_id=ctx.person.id) if ctx.person else None
    if dialog is None or dialog.flow != flow or not belongs(dialog):
        raise refusal()
    return dialog


async def deciding_for(ctx: Context, req: Request | None = None) -> int | None:
    """For whom the person decides (None: in their own right); refuse anyone who may not."""
    if ctx.person is not None and req is not None and req.owner_id == ctx.person.id:
        raise Refusal(_("You cannot decide or check your own request."))
    if ctx.person is not None:
        allowed, acting_for = await may_decide(ctx.rt, ctx.person.id, ctx.now, req)
        if allowed:
            return acting_for
    raise Refusal(_("Only the approver can decide this."))


def typed_text(ctx: Context, limit: int) -> str:
    """The typed answer with its spaces tidied; refuse an empty or an overlong one."""
    text = " ".join((ctx.incoming.text or "").split())
    if not text:
        raise Refusal(_("Please type it in words; /cancel stops."))
    if len(text) > limit:
        raise Refusal(_("Please keep it under {limit} characters.").format(limit=limit))
    return text
