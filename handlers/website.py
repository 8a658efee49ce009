"""After a website check did not pass: Check again, or Published anyway (recorded as unverified).

[Published] + URL ──► "checking…" ──check-pages──► passed: published, the owner told
                                      └─► not passed: what did not match, [Check again] [Published anyway]
[Check again] ──► "checking…" (the same page, looked at once more)
[Published anyway] ──► published, unverified: the owner told, the approver told, in requests show
[Taken down] ──► "checking…" ──► gone: removed, the owner told; still online: the task stays open
"""

from __future__ import annotations

from core.errors import Refusal
from handlers.base import Context
from handlers.guards import own_button, require_role, stale
from handlers.routing import Router
from locales import _
from models.enums import Role, Status
from models.messaging import ButtonToken
from models.request import Request
from models.workflow import status_label
from procedure import website

router = Router("website")

async def _target(ctx: Context, token: ButtonToken) -> tuple[int, Request]:
    await require_role(ctx, Role.WEBMASTER)
    own_button(ctx, token)
    check_id = token.data.get("check")
    req = await Request.get_or_none(id=token.request_id) if token.request_id else None
    if not check_id or req is None:
        raise stale()
    return int(check_id), req


@router.button("check_again")
async def check_again(ctx: Context, token: ButtonToken) -> None:
    """Look at the page once more, after the webmaster put it right."""
    check_id, req = await _target(ctx, token)
    if req.status not in (Status.APPROVED, Status.EXPIRED):
        raise Refusal(
            _("{ref} is already recorded as {status}.").format(
                ref=req.ref, status=status_label(req.status)
            )
        )
    check = await website.check_again(ctx.rt, check_id, ctx.person.id, ctx.now)
    ctx.reply(checking(req, check.url))


@router.button("publish_anyway")
async def publish_anyway(ctx: Context, token: ButtonToken) -> None:
    """The webmaster vouches for the page: published, marked unverified for the approver."""
    check_id, req = await _target(ctx, token)
    if req.status != Status.APPROVED:
        raise Refusal(
            _("{ref} is already recorded as {status}.").format(
                ref=req.ref, status=status_label(req.status)
            )
        )
    await website.publish_anyway(ctx.rt, check_id, ctx.person.id, ctx.now)
    ctx.reply(
        _(
            "Recorded: {ref} is published, marked as not verified by the website check. "
            "The owner has the link; the approver has been told."
        ).format(ref=req.ref)
    )


def checking(req: Request, url: str) -> str:
    return _("Checking {url} for {ref}; you will hear in a moment.").format(url=url, ref=req.ref)
