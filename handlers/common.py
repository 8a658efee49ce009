"""Small pieces the flows share: the request a token or a reference names, personal buttons."""

from __future__ import annotations

from datetime import timedelta

from core.errors import Refusal
from core.events import Button
from handlers.base import Context
from handlers.guards import stale
from locales import _
from models.messaging import ButtonToken, Dialog
from models.request import Request
from notices.buttons import button

PERSONAL_TTL = timedelta(days=7)  # a follow-up button (a reason, Published) lasts a week


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
