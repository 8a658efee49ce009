"""Small pieces the decision, publishing and group flows share: refusals, roles, lookups."""

from __future__ import annotations

from datetime import timedelta

from core.errors import Refusal
from core.events import Button
from handlers.base import Context
from locales import _
from models.directory import roles_of
from models.enums import Role
from models.messaging import ButtonToken, Dialog
from models.request import Request
from models.workflow import WorkflowError
from notices.buttons import button

PERSONAL_TTL = timedelta(days=7)  # a follow-up button (a reason, Published) lasts a week


def refuse(ctx: Context, refusal: Refusal | WorkflowError) -> None:
    """Say no politely, on the button's toast (Telegram) and in the chat."""
    message = refusal.message if isinstance(refusal, Refusal) else str(refusal)
    ctx.notice = message[:200]
    ctx.reply(message)


def stale() -> Refusal:
    return Refusal(_("This button is no longer valid. Type /status to see your requests."))


async def require_role(ctx: Context, *roles: Role) -> None:
    """Refuse unless the person holds one of the roles (checked on every tap)."""
    if ctx.person is None or not (await roles_of(ctx.person.id)) & set(roles):
        raise Refusal(_("Sorry, only {roles} can do this.").format(roles=role_names(roles)))


def role_names(roles: tuple[Role, ...]) -> str:
    from handlers.enrol import role_label

    return _(" or ").join(role_label(r) for r in roles)


def own_button(ctx: Context, token: ButtonToken) -> None:
    """A follow-up button belongs to the person it was given to."""
    if ctx.person is None or token.person_id != ctx.person.id:
        raise Refusal(_("This button was given to someone else."))


async def token_request(token: ButtonToken) -> Request:
    req = await Request.get_or_none(id=token.request_id) if token.request_id else None
    if req is None:
        raise stale()
    return req


async def request_by_ref(ctx: Context, ref: str) -> Request:
    """The organization's request with this reference (WP-2569-0001, any case)."""
    cleaned = ref.strip().upper()
    req = await Request.get_or_none(org_id=ctx.rt.org_id, ref=cleaned) if cleaned else None
    if req is None:
        raise Refusal(_("There is no request {ref}.").format(ref=cleaned or "-"))
    return req


async def personal_button(
    ctx: Context,
    label: str,
    action: str,
    req: Request | None,
    style: str = "secondary",
    *,
    task_id: int | None = None,
    data: dict | None = None,
) -> Button:
    """A button only this person may use, for a week."""
    assert ctx.person is not None
    return await button(
        label,
        action,
        request_id=req.id if req else None,
        task_id=task_id,
        person_id=ctx.person.id,
        data=data,
        ttl=PERSONAL_TTL,
        style=style,
    )


async def start_dialog(ctx: Context, flow: str, step: str, req: Request, **data) -> Dialog:
    """Replace whatever dialog the person had with a one-question dialog of this flow."""
    assert ctx.person is not None
    await Dialog.filter(person_id=ctx.person.id).delete()
    return await Dialog.create(
        person_id=ctx.person.id,
        flow=flow,
        step=step,
        request_id=req.id,
        data={"request_id": req.id, **data},
    )


def in_group(ctx: Context) -> bool:
    """A group or room chat rather than a one-to-one chat with the bot."""
    return ctx.incoming.chat != ctx.incoming.user
