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

from tortoise.transactions import in_transaction

import procedure
from core.events import Outgoing
from handlers.base import Context, on_button, on_command, on_flow
from handlers.common import (
    Refusal,
    own_button,
    personal_button,
    refuse,
    request_by_ref,
    require_role,
    start_dialog,
    token_request,
)
from locales import N_, _, using_locale
from models import workflow
from models.enums import Role, Status
from models.messaging import ButtonToken, Dialog
from models.request import Request
from models.workflow import WorkflowError, status_label
from notices.copies import retire_buttons
from procedure.decisions import (
    add_comment,
    confirm_verbal,
    decider_for,
    may_hand_over,
    reassign,
    tell_original_approvers,
)
from procedure.delegation import find_person

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
# The announcement's reasons (2.2.3), and the one its 2.2 implies.
REASONS = (
    ("mission", N_("Not related to the agency's mission")),
    ("file_format", N_("File format not allowed")),
    ("not_current", N_("Not current, correct or complete")),
)


async def _deciding(ctx: Context, token: ButtonToken) -> tuple[Request, int | None]:
    """The request of an approver's tap, and for whom the tapper acts; refuse anyone else."""
    req = await token_request(token)
    return req, await _acting_for(ctx, req)


async def _acting_for(ctx: Context, req: Request) -> int | None:
    """For whom the person decides (None: in their own right); refuse anyone else."""
    if ctx.person is None:
        raise Refusal(_("Only the approver can decide this."))
    allowed, acting_for = await decider_for(ctx.rt, ctx.person.id, req, ctx.now)
    if not allowed:
        raise Refusal(_("Only the approver can decide this."))
    return acting_for


async def _still_open(ctx: Context, req: Request, action: str) -> None:
    """Refuse a tap on a request that no longer allows the action, saying who was first."""
    if workflow.target_of(req.status, action) is None:
        raise await workflow.refusal(req, action, ctx.rt.tz)


async def _decided(ctx: Context, change: workflow.Change) -> None:
    """Buttons off every Telegram copy; the approvers hear of a handed-over decision."""
    req, person = change.request, ctx.person
    assert person is not None

    def note() -> str:
        return _("{name} decided request {ref}: {outcome}").format(
            name=person.name, ref=req.ref, outcome=status_label(change.after)
        )

    handed_over = bool(req.assignee_id) and change.action in ("approve", "reject")
    await retire_buttons(
        req.id,
        CARD_VERBS[change.action],
        note=None if handed_over else note,
        tapped_chat=ctx.incoming.chat,
        default_locale=ctx.rt.default_locale,
    )
    if handed_over:
        await tell_original_approvers(ctx.rt, req, person, change.after, ctx.now)


@on_button("approve")
async def approve(ctx: Context, token: ButtonToken) -> None:
    """One tap approves; a comment may follow with a second, optional tap."""
    try:
        req, acting_for = await _deciding(ctx, token)
        change = await procedure.transition(
            ctx.rt, req.id, "approve", ctx.person.id, now=ctx.now, acting_for_id=acting_for
        )
    except (Refusal, WorkflowError) as refusal:
        refuse(ctx, refusal)
        return
    await _decided(ctx, change)
    comment = await personal_button(
        ctx, _("Add a comment"), "approve_comment", req, data={"decision": change.decision.id}
    )
    ctx.notice = _("Approved")
    ctx.reply(
        Outgoing(
            text=_(
                "Approved {ref}. The webmasters have the task and the owner will be told."
            ).format(ref=req.ref),
            buttons=(comment,),
        )
    )


@on_button("reject", "send_back")
async def ask_reason(ctx: Context, token: ButtonToken) -> None:
    """Reject (approver) or Send back (checker): first, why."""
    try:
        if token.action == "send_back":
            await require_role(ctx, Role.CHECKER)
            req = await token_request(token)
        else:
            req, _acting = await _deciding(ctx, token)
        await _still_open(ctx, req, token.action)
    except (Refusal, WorkflowError) as refusal:
        refuse(ctx, refusal)
        return
    buttons = [
        await personal_button(
            ctx, _(label), "reason", req, data={"action": token.action, "code": code}
        )
        for code, label in REASONS
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


@on_button("reason")
async def reason_chosen(ctx: Context, token: ButtonToken) -> None:
    """A reason tapped: decide now, or ask for the reason in words."""
    action, code = token.data.get("action", "reject"), token.data.get("code", "other")
    try:
        own_button(ctx, token)
        req = await token_request(token)
        await _authorized(ctx, req, action)
        await _still_open(ctx, req, action)
    except (Refusal, WorkflowError) as refusal:
        refuse(ctx, refusal)
        return
    if code == "other":
        await start_dialog(ctx, FLOW, ASK_REASON, req, action=action)
        ctx.reply(_("Please type the reason for {ref}; /cancel stops.").format(ref=req.ref))
        return
    label = dict(REASONS).get(code, "")
    with using_locale(ctx.rt.default_locale):
        reason = _(label)
    await _refuse_request(ctx, req, action, code, reason)


async def _authorized(ctx: Context, req: Request, action: str) -> None:
    """Re-check the role behind a follow-up tap or a typed answer."""
    if action == "send_back":
        await require_role(ctx, Role.CHECKER)
    else:
        await _acting_for(ctx, req)


async def _refuse_request(ctx: Context, req: Request, action: str, code: str, reason: str) -> None:
    """Reject (or send back) with the reason; the owner gets it with a Revise button."""
    try:
        acting_for = await _acting_for(ctx, req) if action == "reject" else None
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
    except (Refusal, WorkflowError) as refusal:
        refuse(ctx, refusal)
        return
    await _decided(ctx, change)
    ctx.notice = _("Not approved")
    ctx.reply(
        _("{ref} is not approved ({reason}). The owner has been told.").format(
            ref=req.ref, reason=reason
        )
    )


@on_button("approve_comment")
async def comment_asked(ctx: Context, token: ButtonToken) -> None:
    try:
        own_button(ctx, token)
        req = await token_request(token)
    except Refusal as refusal:
        refuse(ctx, refusal)
        return
    await start_dialog(ctx, FLOW, ASK_COMMENT, req, decision=token.data.get("decision"))
    ctx.reply(_("Please type your comment on {ref}; /cancel stops.").format(ref=req.ref))


@on_flow(FLOW)
async def typed(ctx: Context, dialog: Dialog) -> None:
    """A typed reason for a rejection, or a comment on an approval."""
    text = " ".join((ctx.incoming.text or "").split())
    if not text:
        ctx.reply(_("Please type it in words; /cancel stops."))
        return
    if len(text) > REASON_MAX:
        ctx.reply(_("Please keep it under {limit} characters.").format(limit=REASON_MAX))
        return
    req = await Request.get(id=dialog.data["request_id"])
    await dialog.delete()
    if dialog.step == ASK_COMMENT:
        await add_comment(ctx.rt, dialog.data["decision"], ctx.person.id, text, ctx.now)
        ctx.reply(_("Your comment on {ref} is recorded.").format(ref=req.ref))
        return
    action = dialog.data.get("action", "reject")
    try:
        await _authorized(ctx, req, action)
    except Refusal as refusal:
        refuse(ctx, refusal)
        return
    await _refuse_request(ctx, req, action, "other", text)


@on_button("pass")
async def pass_check(ctx: Context, token: ButtonToken) -> None:
    """The checker passes a request on to the approver."""
    try:
        await require_role(ctx, Role.CHECKER)
        req = await token_request(token)
        change = await procedure.transition(ctx.rt, req.id, "pass", ctx.person.id, now=ctx.now)
    except (Refusal, WorkflowError) as refusal:
        refuse(ctx, refusal)
        return
    await _decided(ctx, change)
    ctx.reply(_("Checked: {ref} is now with the approver.").format(ref=req.ref))


@on_button("confirm")
async def confirm(ctx: Context, token: ButtonToken) -> None:
    """The approver confirms the verbal approval recorded for them."""
    try:
        req, acting_for = await _deciding(ctx, token)
        await confirm_verbal(ctx.rt, req, ctx.person.id, acting_for, ctx.now)
    except (Refusal, WorkflowError) as refusal:
        refuse(ctx, refusal)
        return
    await retire_buttons(req.id, {"confirm", "revoke"}, default_locale=ctx.rt.default_locale)
    ctx.notice = _("Confirmed")
    ctx.reply(_("Thank you: the verbal approval of {ref} is confirmed.").format(ref=req.ref))


@on_button("revoke")
async def revoke(ctx: Context, token: ButtonToken) -> None:
    """The approver revokes a verbal approval: not published, or taken down if it already is."""
    try:
        req, acting_for = await _deciding(ctx, token)
        change = await _revoke(ctx, req, acting_for)
    except (Refusal, WorkflowError) as refusal:
        refuse(ctx, refusal)
        return
    await retire_buttons(
        req.id, {"confirm", "revoke", "claim"}, default_locale=ctx.rt.default_locale
    )
    ctx.notice = _("Revoked")
    if change.before == Status.PUBLISHED:
        text = _("Revoked {ref}: the webmasters will take it down and the owner has been told.")
    else:
        text = _("Revoked {ref}: it will not be published and the owner has been told.")
    ctx.reply(text.format(ref=req.ref))


async def _revoke(ctx: Context, req: Request, acting_for: int | None) -> workflow.Change:
    """Settle the verbal approval as revoked first, so a Confirm cannot also win."""
    async with in_transaction():
        if not await Request.filter(id=req.id, verbal=True, verbal_confirmed__isnull=True).update(
            verbal_confirmed=False
        ):
            raise Refusal(_("The verbal approval of {ref} is already settled.").format(ref=req.ref))
        return await procedure.transition(
            ctx.rt,
            req.id,
            "revoke",
            ctx.person.id,
            now=ctx.now,
            acting_for_id=acting_for,
            reason=_("Verbal approval revoked by the approver"),
        )


@on_command("reassign", "มอบหมาย", "ส่งต่อ")
async def hand_over(ctx: Context, rest: str) -> None:
    """`/reassign WP-2569-0001 NAME`: an admin or the approver hands a decision to someone."""
    assert ctx.person is not None
    ref, _sep, name = rest.strip().partition(" ")
    if not ref or not name.strip():
        ctx.reply(
            _("Type /reassign, the reference and the name, e.g. /reassign WP-2569-0001 Somchai")
        )
        return
    try:
        if not await may_hand_over(ctx.person.id, ctx.rt, ctx.now):
            raise Refusal(_("Only an administrator or the approver can hand a decision over."))
        req = await request_by_ref(ctx, ref)
        target = await find_person(ctx.rt.org_id, name)
        await reassign(ctx.rt, req, ctx.person, target, ctx.now)
    except (Refusal, WorkflowError, LookupError) as refusal:
        refuse(ctx, refusal if not isinstance(refusal, LookupError) else Refusal(str(refusal)))
        return
    ctx.reply(
        _("{ref} is handed to {name}; the approver is kept informed.").format(
            ref=req.ref, name=target.name
        )
    )
