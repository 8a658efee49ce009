"""The approver's and the checker's taps on a request card (2.2.1, 2.2.3; decide.mmd).

    [Approve] ──► approved, webmasters get the task ──[Add a comment]──► decide.comment ──► noted
    [Reject] / [Send back] ──► reason buttons ──mission / file format / not current──► rejected
                                     └──[Other]──► decide.reason ──typed reason──► rejected
    [Pass] ──► pending, the approver gets the card
    [Confirm] / [Revoke] (after a verbal approval) ──► confirmed / rejected or taken down

Every tap re-checks on the server who is tapping (the approver, the acting approver under a
delegation, the person a decision was handed to; the checker for Pass and Send back) and
whether the request still waits; a refusal changes nothing. After a decision every Telegram
copy of the card loses its buttons; a LINE copy answers a later tap with who decided and when.
"""

from __future__ import annotations

import procedure
from core.errors import Refusal
from core.events import Outgoing
from core.thaidate import format_date
from handlers.base import Context
from handlers.common import personal_button, request_by_ref, start_dialog, token_request
from handlers.guards import deciding_for, own_button, require_role, typed_text
from handlers.routing import Router
from locales import _, using_locale
from models import workflow
from models.enums import Role, Status, TaskStatus
from models.messaging import ButtonToken, Dialog
from models.request import Request
from notices.copies import retire_buttons
from notices.wording import REJECT_REASONS, reason_text
from procedure.decisions import add_comment, may_hand_over, reassign, tell_original_approvers
from procedure.delegation import find_person
from procedure.verbal import confirm_verbal, revoke_verbal

FLOW = "decide"
ASK_REASON = "decide.reason"
ASK_COMMENT = "decide.comment"
REASON_MAX = 500
CARD_VERBS = {
    "approve": {"approve", "reject"},
    "reject": {"approve", "reject"},
    "pass": {"pass", "send_back"},
    "send_back": {"pass", "send_back"},
}

router = Router("decide")


async def _deciding(ctx: Context, token: ButtonToken) -> tuple[Request, int | None]:
    """The request of an approver's tap, and for whom the tapper acts; refuse anyone else."""
    req = await token_request(token)
    return req, await deciding_for(ctx, req)


async def _decided(ctx: Context, change: workflow.Change) -> None:
    """Every Telegram copy says who decided; the approvers hear of a handed-over decision."""
    req, person, decision = change.request, ctx.person, change.decision
    assert person is not None and decision is not None
    await retire_buttons(
        req.id,
        CARD_VERBS[change.action],
        words=lambda: workflow.decision_words(decision, ctx.rt.tz),
        default_locale=ctx.rt.default_locale,
    )
    if req.assignee_id and change.action in ("approve", "reject"):
        await tell_original_approvers(ctx.rt, req, person, change.after, ctx.now)


@router.button("approve")
async def approve(ctx: Context, token: ButtonToken) -> None:
    """One tap approves; a comment may follow with a second, optional tap."""
    req, acting_for = await _deciding(ctx, token)
    change = await procedure.transition(
        ctx.rt, req.id, "approve", ctx.person.id, now=ctx.now, acting_for_id=acting_for
    )
    await _decided(ctx, change)
    comment = await personal_button(
        ctx, _("Add a comment"), "approve_comment", req, data={"decision": change.decision.id}
    )
    ctx.notice = _("Approved")
    if change.task is not None and change.task.status == TaskStatus.SCHEDULED:
        text = _(
            "Approved {ref}. The webmasters get the task on {date}, its publish date; the owner "
            "will be told."
        ).format(ref=req.ref, date=format_date(change.request.publish_date, ctx.locale))
    else:
        text = _(
            "Approved {ref}. The webmasters have the task and the owner will be told."
        ).format(ref=req.ref)
    ctx.reply(Outgoing(text=text, buttons=(comment,)))


@router.button("reject", "send_back")
async def ask_reason(ctx: Context, token: ButtonToken) -> None:
    """Reject (approver) or Send back (checker): first, why."""
    if token.action == "send_back":
        await require_role(ctx, Role.CHECKER)
        req = await token_request(token)
    else:
        req, _acting = await _deciding(ctx, token)
    await workflow.still_allows(req, token.action, ctx.rt.tz)
    buttons = [
        await personal_button(
            ctx, _(label), "reason", req, data={"action": token.action, "code": code}
        )
        for code, label in REJECT_REASONS
    ]
    buttons.append(
        await personal_button(
            ctx,
            _("Other (type the reason)"),
            "reason",
            req,
            data={"action": token.action, "code": "other"},
        )
    )
    ctx.reply(
        Outgoing(
            text=_("Why is {ref} not approved? The owner will be told.").format(ref=req.ref),
            buttons=tuple(buttons),
            quick=False,
        )
    )


@router.button("reason")
async def reason_chosen(ctx: Context, token: ButtonToken) -> None:
    """A reason tapped: decide now, or ask for the reason in words."""
    action, code = token.data.get("action", "reject"), token.data.get("code", "other")
    own_button(ctx, token)
    req = await token_request(token)
    await _authorized(ctx, req, action)
    await workflow.still_allows(req, action, ctx.rt.tz)
    if code == "other":
        await start_dialog(ctx, FLOW, ASK_REASON, req, action=action)
        ctx.reply(_("Please type the reason for {ref}; /cancel stops.").format(ref=req.ref))
        return
    with using_locale(ctx.rt.default_locale):  # the record's text; each reader sees the code's
        reason = reason_text(code, "")
    await _refuse_request(ctx, req, action, code, reason)


async def _authorized(ctx: Context, req: Request, action: str) -> None:
    """Re-check the role behind a follow-up tap or a typed answer."""
    if action == "send_back":
        await require_role(ctx, Role.CHECKER)
    else:
        await deciding_for(ctx, req)


async def _refuse_request(ctx: Context, req: Request, action: str, code: str, reason: str) -> None:
    """Reject (or send back) with the reason; the owner gets it with a Revise button."""
    acting_for = await deciding_for(ctx, req) if action == "reject" else None
    change = await procedure.transition(
        ctx.rt,
        req.id,
        action,
        ctx.person.id,
        now=ctx.now,
        acting_for_id=acting_for,
        reason_code=code,
        reason=reason,
    )
    await _decided(ctx, change)
    ctx.notice = _("Not approved")
    ctx.reply(
        _("{ref} is not approved ({reason}). The owner has been told.").format(
            ref=req.ref, reason=reason_text(code, reason)
        )
    )


@router.button("approve_comment")
async def comment_asked(ctx: Context, token: ButtonToken) -> None:
    own_button(ctx, token)
    req = await token_request(token)
    await start_dialog(ctx, FLOW, ASK_COMMENT, req, decision=token.data.get("decision"))
    ctx.reply(_("Please type your comment on {ref}; /cancel stops.").format(ref=req.ref))


@router.flow(FLOW)
async def typed(ctx: Context, dialog: Dialog) -> None:
    """A typed reason for a rejection, or a comment on an approval."""
    text = typed_text(ctx, REASON_MAX)
    req = await Request.get(id=dialog.data["request_id"])
    await dialog.delete()
    if dialog.step == ASK_COMMENT:
        await add_comment(ctx.rt, dialog.data["decision"], ctx.person.id, text, ctx.now)
        ctx.reply(_("Your comment on {ref} is recorded.").format(ref=req.ref))
        return
    action = dialog.data.get("action", "reject")
    await _authorized(ctx, req, action)
    await _refuse_request(ctx, req, action, "other", text)


@router.button("pass")
async def pass_check(ctx: Context, token: ButtonToken) -> None:
    """The checker passes a request on to the approver."""
    await require_role(ctx, Role.CHECKER)
    req = await token_request(token)
    change = await procedure.transition(ctx.rt, req.id, "pass", ctx.person.id, now=ctx.now)
    await _decided(ctx, change)
    ctx.reply(_("Checked: {ref} is now with the approver.").format(ref=req.ref))


@router.button("confirm")
async def confirm(ctx: Context, token: ButtonToken) -> None:
    """The approver confirms the verbal approval recorded for them."""
    req, acting_for = await _deciding(ctx, token)
    decision = await confirm_verbal(ctx.rt, req, ctx.person.id, acting_for, ctx.now)
    await retire_buttons(
        req.id,
        {"confirm", "revoke"},
        words=lambda: workflow.decision_words(decision, ctx.rt.tz),
        default_locale=ctx.rt.default_locale,
    )
    ctx.notice = _("Confirmed")
    ctx.reply(_("Thank you: the verbal approval of {ref} is confirmed.").format(ref=req.ref))


@router.button("revoke")
async def revoke(ctx: Context, token: ButtonToken) -> None:
    """The approver revokes a verbal approval: not published, or taken down if it already is."""
    req, acting_for = await _deciding(ctx, token)
    change = await revoke_verbal(ctx.rt, req, ctx.person.id, acting_for, ctx.now)
    await retire_buttons(
        req.id,
        {"confirm", "revoke", "claim"},
        words=lambda: workflow.decision_words(change.decision, ctx.rt.tz),
        default_locale=ctx.rt.default_locale,
    )
    ctx.notice = _("Revoked")
    if change.before == Status.PUBLISHED:
        text = _("Revoked {ref}: the webmasters will take it down and the owner has been told.")
    else:
        text = _("Revoked {ref}: it will not be published and the owner has been told.")
    ctx.reply(text.format(ref=req.ref))


@router.command("reassign", "มอบหมาย", "ส่งต่อ")
async def hand_over(ctx: Context, rest: str) -> None:
    """`/reassign WP-2569-0001 NAME`: an admin or the approver hands a decision to someone."""
    assert ctx.person is not None
    ref, _sep, name = rest.strip().partition(" ")
    if not ref or not name.strip():
        ctx.reply(
            _("Type /reassign, the reference and the name, e.g. /reassign WP-2569-0001 Somchai")
        )
        return
    if not await may_hand_over(ctx.person.id, ctx.rt, ctx.now):
        raise Refusal(_("Only an administrator or the approver can hand a decision over."))
    req = await request_by_ref(ctx, ref)
    target = await find_person(ctx.rt.org_id, name)
    await reassign(ctx.rt, req, ctx.person, target, ctx.now)
    ctx.reply(
        _("{ref} is handed to {name}; the approver is kept informed.").format(
            ref=req.ref, name=target.name
        )
    )
