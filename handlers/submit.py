"""The submission flow: staff answer a few questions, send the file, and submit (submit.mmd).

The draft Request row holds every answer as it is given; the Dialog row holds the step and a
counter of questions asked, so a button from an older question is recognised as stale.
"""

from __future__ import annotations

from datetime import timedelta

import procedure
from core.errors import Refusal
from core.events import Button, DatePicker, Outgoing
from handlers.base import Context
from handlers.guards import own_dialog, refuse
from handlers.routing import Router
from handlers.submit_steps import BY_NAME, EDITABLE, Step, first_unanswered, next_step
from locales import _
from models import workflow
from models.enums import Status
from models.messaging import ButtonToken, Dialog
from models.request import Attachment, Request
from models.workflow import status_label
from notices.buttons import button
from notices.cards import request_card
from notices.wording import dialog_put_aside
from records.listing import own_requests

FLOW = "submit"
STATUS_MAX = 8  # requests listed by /status
REVIEW = "submit.review"
EDIT = "submit.edit"


# -- starting and stopping ------------------------------------------------------------------


router = Router("submit")

@router.command("new", "ขอเผยแพร่ข้อมูล", "ขอเผยแพร่", "เผยแพร่ข้อมูล", "คำขอใหม่", "ใหม่", "new request")
async def start(ctx: Context, rest: str) -> None:
    """Begin a new request (or carry on with the one in progress)."""
    assert ctx.person is not None
    dialog = await Dialog.get_or_none(person_id=ctx.person.id)
    if dialog is not None and dialog.flow == FLOW and not await _idle(ctx, dialog):
        req = await Request.get(id=dialog.request_id)
        if ctx.upload is not None:
            await _take_upload(ctx, req)
        ctx.reply(_("You have a request in progress; let us carry on."))
        await _ask(ctx, dialog, req, dialog.step)
        return
    if dialog is not None:
        await dialog.delete()
    req = await Request.create(
        org_id=ctx.rt.org_id,
        owner_id=ctx.person.id,
        owner_unit=ctx.person.unit,
        status=Status.DRAFT,
    )
    dialog = await Dialog.create(
        person_id=ctx.person.id, flow=FLOW, step="", request_id=req.id, data={"asked": 0}
    )
    if ctx.upload is not None:
        await _take_upload(ctx, req)
    first = next_step(None, req)
    assert first is not None
    await _ask(ctx, dialog, req, first.name)


@router.command("cancel", "ยกเลิก", "stop", "หยุด")
async def cancel(ctx: Context, rest: str) -> None:
    assert ctx.person is not None
    dialog = await Dialog.get_or_none(person_id=ctx.person.id)
    if dialog is None:
        ctx.reply(_("There is nothing to cancel."))
        return
    await _discard(ctx, dialog)
    ctx.reply(_("Cancelled. Nothing was sent. Type /new to start again."))


async def _discard(ctx: Context, dialog: Dialog) -> None:
    if dialog.flow == FLOW and dialog.request_id:
        req = await Request.get_or_none(id=dialog.request_id)
        if req is not None and req.status == Status.DRAFT:
            await procedure.transition(
                ctx.rt, req.id, "discard", ctx.person.id if ctx.person else None, now=ctx.now
            )
    await dialog.delete()


async def _idle(ctx: Context, dialog: Dialog) -> bool:
    """Close a dialog left longer than the org allows; the draft stays for /status."""
    limit = timedelta(minutes=ctx.rt.org.workflow.dialog_idle_minutes)
    if dialog.updated_at is None or ctx.now - dialog.updated_at <= limit:
        return False
    await dialog.delete()
    ctx.reply(dialog_put_aside())
    return True


# -- answers --------------------------------------------------------------------------------


@router.flow(FLOW)
async def answer(ctx: Context, dialog: Dialog) -> None:
    """A typed answer or a file, for the step the person is at."""
    if await _idle(ctx, dialog):
        return
    req = await Request.get(id=dialog.request_id)
    if ctx.upload is not None:
        await _take_upload(ctx, req)
        await _ask(ctx, dialog, req, dialog.step)
        return
    text = (ctx.incoming.text or "").strip()
    if not text:
        ctx.reply(_("Please type an answer."))
        await _ask(ctx, dialog, req, dialog.step)
        return
    if dialog.step == REVIEW:
        await _review_text(ctx, dialog, req, text)
        return
    step = BY_NAME.get(dialog.step)
    if step is None:
        await _ask(ctx, dialog, req, REVIEW)
        return
    await _after(ctx, dialog, req, step, await step.take_text(ctx, req, text))


@router.button("ans")
async def choose(ctx: Context, token: ButtonToken) -> None:
    """A tapped choice (or a date picked on LINE) for the question it was offered with."""
    assert ctx.person is not None
    data = token.data
    try:
        dialog = await own_dialog(
            ctx,
            FLOW,
            lambda dialog: token.person_id == dialog.person_id
            and data.get("dialog") == dialog.id
            and data.get("asked") == dialog.data.get("asked"),
        )
    except Refusal as refusal:
        refuse(ctx, refusal)
        await _ask_again(ctx)
        return
    req = await Request.get(id=dialog.request_id)
    value = data.get("value", "")
    if dialog.step == REVIEW:
        await _review_choice(ctx, dialog, req, value)
        return
    if dialog.step == EDIT:
        dialog.data["editing"] = True
        await _ask(ctx, dialog, req, value if value in BY_NAME else REVIEW)
        return
    step = BY_NAME[dialog.step]
    if value == "picker":
        if not ctx.incoming.date:
            error = _("Please pick a date.")
        else:
            error = await step.take_text(ctx, req, ctx.incoming.date)
    else:
        error = await step.take_choice(ctx, req, value)
    await _after(ctx, dialog, req, step, error)


async def _ask_again(ctx: Context) -> None:
    """After a tap on an older question, the current one again (when a submission is open)."""
    dialog = await Dialog.get_or_none(person_id=ctx.person.id, flow=FLOW)
    if dialog is not None:
        await _ask(ctx, dialog, await Request.get(id=dialog.request_id), dialog.step)


async def _after(ctx: Context, dialog: Dialog, req: Request, step: Step, error: str | None) -> None:
    """Re-ask with the reason after a bad answer; otherwise on to the next question."""
    if error is not None:
        ctx.reply(error)
        await _ask(ctx, dialog, req, step.name)
        return
    if step.name == "submit.files" and ctx.incoming.kind != "button" and not req.external_link:
        await _ask(ctx, dialog, req, step.name)
        return
    following = next_step(step.name, req)
    if dialog.data.get("editing") and not (
        following is not None and following.name in _follow_ups(step.name)
    ):
        dialog.data.pop("editing", None)
        following = None
    await _ask(ctx, dialog, req, following.name if following else REVIEW)


def _follow_ups(name: str) -> set[str]:
    """Questions that belong with an edited one (a data range has two ends; urgent has a reason)."""
    return {
        "submit.data_from": {"submit.data_until"},
        "submit.urgent": {"submit.urgent_reason"},
    }.get(name, set())


async def _take_upload(ctx: Context, req: Request) -> None:
    upload = ctx.upload
    assert upload is not None
    if upload.refusal:
        ctx.reply(upload.refusal)
        return
    position = await Attachment.filter(request_id=req.id).count()
    await Attachment.create(
        request_id=req.id,
        original_name=upload.name,
        extension=upload.extension,
        mime_type=upload.mime_type,
        size=upload.size,
        sha256=upload.sha256,
        position=position,
    )
    ctx.reply(_("Received {name}.").format(name=upload.name))


# -- asking ---------------------------------------------------------------------------------


async def _ask(ctx: Context, dialog: Dialog, req: Request, step_name: str) -> None:
    """Put a question (fresh buttons, older ones go stale) and remember the step."""
    dialog.step = step_name
    dialog.data["asked"] = int(dialog.data.get("asked", 0)) + 1
    dialog.version += 1
    await dialog.save()
    if step_name == REVIEW:
        ctx.reply(await _review_card(ctx, dialog, req))
        return
    if step_name == EDIT:
        choices = (*((_(label), name) for name, label in EDITABLE), (_("Back"), REVIEW))
        buttons = tuple([await _choice(ctx, dialog, label, value) for label, value in choices])
        ctx.reply(Outgoing(text=_("What would you like to change?"), buttons=buttons))
        return
    ask = await BY_NAME[step_name].ask(ctx, req)
    buttons = tuple([await _choice(ctx, dialog, label, value) for label, value in ask.choices])
    picker = None
    if ask.date_picker is not None:
        label, low, high = ask.date_picker
        action = (await _choice(ctx, dialog, label, "picker")).action
        picker = DatePicker(
            label=label,
            action=action,
            min=low.isoformat() if low else None,
            max=high.isoformat() if high else None,
        )
    ctx.reply(Outgoing(text=ask.text, buttons=buttons, date_picker=picker))


async def _choice(
    ctx: Context, dialog: Dialog, label: str, value: str, style: str = "secondary"
) -> Button:
    """A button answering the question just asked; stale once another question is asked."""
    assert ctx.person is not None
    return await button(
        label,
        "ans",
        person_id=ctx.person.id,
        request_id=dialog.request_id,
        data={"dialog": dialog.id, "asked": dialog.data["asked"], "value": value},
        ttl=timedelta(days=7),
        style=style,
    )


async def _review_card(ctx: Context, dialog: Dialog, req: Request) -> Outgoing:
    card = await request_card(req, ctx.locale)
    buttons = (
        await _choice(ctx, dialog, _("Submit"), "submit", "primary"),
        await _choice(ctx, dialog, _("Edit"), "edit"),
        await _choice(ctx, dialog, _("Cancel"), "cancel", "danger"),
    )
    text = _("Please check your request, then tap Submit.")
    return Outgoing(text=text, card=card, buttons=buttons, quick=False)


async def _review_text(ctx: Context, dialog: Dialog, req: Request, text: str) -> None:
    word = text.casefold()
    if word in {"ส่ง", "ส่งคำขอ", "submit", "send", "ยืนยัน", "confirm"}:
        await _review_choice(ctx, dialog, req, "submit")
    elif word in {"แก้ไข", "แก้", "edit"}:
        await _review_choice(ctx, dialog, req, "edit")
    else:
        ctx.reply(_("Please tap Submit, Edit or Cancel."))
        await _ask(ctx, dialog, req, REVIEW)


async def _review_choice(ctx: Context, dialog: Dialog, req: Request, value: str) -> None:
    if value == "cancel":
        await _discard(ctx, dialog)
        ctx.reply(_("Cancelled. Nothing was sent. Type /new to start again."))
        return
    if value == "edit":
        await _ask(ctx, dialog, req, EDIT)
        return
    missing = await first_unanswered(req)
    if missing is not None:
        ctx.reply(_("One answer is still missing."))
        await _ask(ctx, dialog, req, missing.name)
        return
    try:
        change = await procedure.submit(ctx.rt, req.id, ctx.person.id, now=ctx.now)
    except workflow.WorkflowError as exc:
        ctx.reply(str(exc))
        await _ask(ctx, dialog, req, REVIEW)
        return
    await dialog.delete()
    ctx.reply(
        _(
            "Submitted! Your reference number is {ref}. It is now {status}; you will hear the outcome here."
        ).format(ref=change.request.ref, status=status_label(change.after))
    )


# -- status and resuming --------------------------------------------------------------------


@router.command("status", "สถานะ", "คำขอของฉัน", "my requests", "ติดตาม")
async def status(ctx: Context, rest: str) -> None:
    """The person's latest requests with their state; drafts can be resumed, pending withdrawn."""
    assert ctx.person is not None
    rows = await own_requests(ctx.person.id, STATUS_MAX)
    if not rows:
        ctx.reply(_("You have no requests yet. Type /new to make one."))
        return
    lines = [_("Your requests:")]
    buttons = []
    for req in rows:
        ref = req.ref or _("Draft")
        lines.append(f"• {ref} · {req.title or '-'} — {status_label(req.status)}")
        if req.status == Status.DRAFT and len(buttons) < 4:
            label = _("Continue {title}").format(title=(req.title or ref)[:14])
            buttons.append(
                await button(label, "resume", request_id=req.id, person_id=ctx.person.id)
            )
        elif req.status == Status.PENDING and len(buttons) < 4:
            label = _("Withdraw {ref}").format(ref=req.ref)
            buttons.append(
                await button(
                    label, "withdraw", request_id=req.id, person_id=ctx.person.id, style="danger"
                )
            )
    ctx.reply(Outgoing(text="\n".join(lines), buttons=tuple(buttons)))


@router.button("resume")
async def resume(ctx: Context, token: ButtonToken) -> None:
    assert ctx.person is not None
    req = await Request.get_or_none(id=token.request_id, owner_id=ctx.person.id)
    if req is None or req.status != Status.DRAFT:
        ctx.reply(_("That draft is no longer open. Type /status to see your requests."))
        return
    await Dialog.filter(person_id=ctx.person.id).delete()
    dialog = await Dialog.create(
        person_id=ctx.person.id, flow=FLOW, step="", request_id=req.id, data={"asked": 0}
    )
    missing = await first_unanswered(req)
    await _ask(ctx, dialog, req, missing.name if missing else REVIEW)


@router.button("withdraw")
async def withdraw(ctx: Context, token: ButtonToken) -> None:
    assert ctx.person is not None
    req = await Request.get_or_none(id=token.request_id)
    if req is None or req.owner_id != ctx.person.id:
        ctx.reply(_("Only the owner of a request can withdraw it."))
        return
    await procedure.transition(ctx.rt, req.id, "withdraw", ctx.person.id, now=ctx.now)
    ctx.reply(_("Request {ref} was withdrawn.").format(ref=req.ref))

