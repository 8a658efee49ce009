"""Answers to the scheduler's reminders: extend or let an item end, review it, taken down.

The Extend dialog (one step, `extend.ask_date`):

    [Extend] ──► ask_date ──date picker / 30 days / 90 days / 1 year / a typed date──► asked
                   │   └──not a date, or not later──► ask_date (told why)
                   └──[Cancel] or /cancel──► closed, nothing changed

"asked": the approver gets the new date with Approve and Reject; Approve moves the end date
(audited) and the owner is told either way. Every tap checks who taps and whether the button
still applies; a refusal changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

import procedure
from core.errors import Refusal
from core.events import DatePicker, Outgoing
from core.thaidate import DateInputError, add_months, format_date, parse_date, parse_period
from handlers.base import Context
from handlers.guards import deciding_for, own_dialog, require_role, stale
from handlers.revise import open_revision
from handlers.routing import Router
from handlers.website import checking
from locales import _
from models.audit import append_event
from models.db import atomic
from models.enums import Role, Status, TaskKind, TaskStatus
from models.messaging import ButtonToken, Dialog
from models.reminders import LET_END, claim
from models.request import Request, Task
from models.revision import start_revision
from notices.buttons import button
from procedure import website
from procedure.extension import APPROVE, REJECT, ask_extension, check_new_end, decide_extension

EXTEND_FLOW = "extend"
ASK_DATE = "extend.ask_date"
QUICK_DAYS = (30, 90)

router = Router("reminders")


async def _own_request(ctx: Context, request_id: int | None) -> Request:
    """The request a tap is about, when the tapping person owns it."""
    req = await Request.get_or_none(id=request_id) if request_id else None
    if req is None or ctx.person is None:
        raise stale()
    if req.owner_id != ctx.person.id:
        raise Refusal(_("Only the owner of {ref} can answer this.").format(ref=req.ref))
    return req


async def _use(token: ButtonToken, ctx: Context) -> None:
    """Spend a one-time button inside the caller's transaction; refuse a spent one."""
    if not await ButtonToken.filter(token=token.token, used_at=None).update(used_at=ctx.now):
        raise stale()


def _published_with(req: Request, field: str, token: ButtonToken) -> None:
    """Refuse when the item is no longer published, or the date the button was about moved."""
    current = getattr(req, field)
    if req.status != Status.PUBLISHED or (
        current.isoformat() if current else None
    ) != token.data.get(field):
        raise stale()


# --- Extend ----------------------------------------------------------------------------------


@router.button("extend")
async def extend(ctx: Context, token: ButtonToken) -> None:
    """Owner tapped Extend: ask for the new end date."""
    req = await _own_request(ctx, token.request_id)
    _published_with(req, "end_date", token)
    await Dialog.filter(person_id=ctx.person.id).delete()
    await Dialog.create(
        person_id=ctx.person.id,
        flow=EXTEND_FLOW,
        step=ASK_DATE,
        request_id=req.id,
        data={"request_id": req.id, "end_date": req.end_date.isoformat()},
    )
    ctx.reply(await _date_question(ctx, req))


async def _date_question(ctx: Context, req: Request) -> Outgoing:
    end = req.end_date
    person_id = ctx.person.id if ctx.person else None
    choices = [(_("{n} days").format(n=n), end + timedelta(days=n)) for n in QUICK_DAYS]
    choices.append((_("1 year"), add_months(end, 12)))
    buttons = [
        await button(
            label,
            "extend_to",
            request_id=req.id,
            person_id=person_id,
            data={"end_date": d.isoformat()},
        )
        for label, d in choices
    ]
    buttons.append(
        await button(_("Cancel"), "extend_cancel", request_id=req.id, person_id=person_id)
    )
    picker = await button(_("Pick a date"), "extend_date", request_id=req.id, person_id=person_id)
    text = _(
        "{ref} leaves the website on {date}. Until when should it stay? Add 30 days, 90 days "
        "or 1 year, pick a date, or type one (for example 25/11/2569)."
    ).format(ref=req.ref, date=format_date(end, ctx.locale))
    return Outgoing(
        text=text,
        buttons=tuple(buttons),
        date_picker=DatePicker(
            label=picker.label,
            action=picker.action,
            initial=(end + timedelta(days=QUICK_DAYS[0])).isoformat(),
            min=(end + timedelta(days=1)).isoformat(),
        ),
    )


async def _extend_dialog(ctx: Context, request_id: int | None) -> Dialog:
    """The person's open Extend dialog about this request; buttons of a closed one are stale."""
    return await own_dialog(
        ctx, EXTEND_FLOW, lambda dialog: dialog.data.get("request_id") == request_id, refusal=stale
    )


@router.button("extend_to")
async def extend_to(ctx: Context, token: ButtonToken) -> None:
    """A quick choice: 30 days, 90 days or 1 year more."""
    await _propose(ctx, token.request_id, date.fromisoformat(token.data["end_date"]))


@router.button("extend_date")
async def extend_date(ctx: Context, token: ButtonToken) -> None:
    """LINE's date picker: the date arrives as ISO on the tap."""
    try:
        picked = date.fromisoformat(ctx.incoming.date or "")
    except ValueError:
        raise Refusal(_("Please pick a date.")) from None
    await _propose(ctx, token.request_id, picked)


@router.flow(EXTEND_FLOW)
async def extend_typed(ctx: Context, dialog: Dialog) -> None:
    """A typed answer: a date (25/11/2569, 25 พ.ย. 69, ...) or a period (30 วัน, 3 months)."""
    text = (ctx.incoming.text or "").strip()
    end = date.fromisoformat(dialog.data["end_date"])
    try:
        try:
            new_end = parse_date(text, ctx.rt.today(ctx.now))
        except DateInputError:
            new_end = parse_period(text, end)
    except DateInputError:
        ctx.reply(
            _("Please type a date such as 25/11/2569, or a period such as 30 days; /cancel stops.")
        )
        return
    await _propose(ctx, dialog.data["request_id"], new_end)


@router.button("extend_cancel")
async def extend_cancel(ctx: Context, token: ButtonToken) -> None:
    dialog = await _extend_dialog(ctx, token.request_id)
    await dialog.delete()
    ctx.reply(_("Nothing was changed."))


async def _propose(ctx: Context, request_id: int | None, new_end: date) -> None:
    """Send the owner's new end date to the approver, or say why it cannot be."""
    dialog = await _extend_dialog(ctx, request_id)
    req = await _own_request(ctx, request_id)
    check_new_end(req, new_end, ctx.rt.today(ctx.now))
    async with atomic():
        asked = await ask_extension(ctx.rt, req, ctx.person, new_end, ctx.now)
        await dialog.delete()
    if not asked:
        ctx.reply(_("No approver can be reached in the chat yet; please ask the administrator."))
        return
    ctx.reply(
        _(
            "Asked {names} to keep {ref} on the website until {date}. You will hear the answer here."
        ).format(
            names=", ".join(p.name for p in asked),
            ref=req.ref,
            date=format_date(new_end, ctx.locale),
        )
    )


@router.button(APPROVE, REJECT)
async def decide(ctx: Context, token: ButtonToken) -> None:
    """The approver's one tap on an asked extension."""
    acting_for = await deciding_for(ctx)
    approve = token.action == APPROVE
    req = await decide_extension(
        ctx.rt, token, ctx.person.id, approve, ctx.now, acting_for_id=acting_for
    )
    if approve:
        ctx.reply(
            _("Extended {ref} until {date}; the owner has been told.").format(
                ref=req.ref, date=format_date(req.end_date, ctx.locale)
            )
        )
    else:
        ctx.reply(
            _("The extension of {ref} was not approved; the owner has been told.").format(
                ref=req.ref
            )
        )


@router.button("let_end")
async def let_end(ctx: Context, token: ButtonToken) -> None:
    """Owner tapped Let it end: no more warnings to them about this end date."""
    req = await _own_request(ctx, token.request_id)
    _published_with(req, "end_date", token)
    await claim(LET_END, req.id, req.end_date.isoformat())  # tapped twice: the same answer
    ctx.reply(
        _(
            "{ref} will leave the website on {date}. You will not be reminded about it again."
        ).format(ref=req.ref, date=format_date(req.end_date, ctx.locale))
    )


# --- Review ----------------------------------------------------------------------------------


@router.button("review_keep")
async def review_keep(ctx: Context, token: ButtonToken) -> None:
    """Still current: the next review is a review period from today."""
    today = ctx.rt.today(ctx.now)
    next_review = add_months(today, ctx.rt.org.reminders.review_months)
    req = await _own_request(ctx, token.request_id)
    _published_with(req, "review_due", token)
    async with atomic():
        if not await Request.filter(
            id=req.id, status=Status.PUBLISHED, review_due=req.review_due
        ).update(review_due=next_review):
            raise stale()
        await append_event(
            ctx.rt.org_id,
            "request.reviewed",
            actor_id=ctx.person.id,
            request_id=req.id,
            at=ctx.now,
            data={"ref": req.ref, "next_review": next_review.isoformat()},
        )
    ctx.reply(
        _("Thank you. {ref} stays on the website; the next review is on {date}.").format(
            ref=req.ref, date=format_date(next_review, ctx.locale)
        )
    )


@router.button("review_update")
async def review_update(ctx: Context, token: ButtonToken) -> None:
    """Update: a revision starts as a draft; the published item stays until it is replaced."""
    req = await _own_request(ctx, token.request_id)
    if req.status != Status.PUBLISHED:
        raise stale()
    await open_revision(ctx, await start_revision(req.id))


@router.button("review_remove")
async def review_remove(ctx: Context, token: ButtonToken) -> None:
    """Remove: the item is due for takedown and the webmasters get the task."""
    req = await _own_request(ctx, token.request_id)
    async with atomic():
        await _use(token, ctx)
        await procedure.transition(ctx.rt, req.id, "takedown", ctx.person.id, now=ctx.now)
    ctx.reply(
        _("The webmasters will take {ref} down; you will be told when it is done.").format(
            ref=req.ref
        )
    )


# --- Takedown tasks --------------------------------------------------------------------------


@router.button("taken_down")
async def taken_down(ctx: Context, token: ButtonToken) -> None:
    """A webmaster took the item off the website: it is removed and the owner is told."""
    await require_role(ctx, Role.WEBMASTER)
    task = await Task.get_or_none(id=token.task_id) if token.task_id else None
    req = await Request.get_or_none(id=token.request_id) if token.request_id else None
    if task is None or req is None or task.kind != TaskKind.TAKEDOWN:
        raise stale()
    if task.status not in (TaskStatus.OPEN, TaskStatus.CLAIMED) or req.status == Status.REMOVED:
        raise Refusal(_("{ref} is already recorded as taken down.").format(ref=req.ref))
    if req.status != Status.EXPIRED:
        raise stale()
    # Not removed yet: the page is looked at first (procedure.website); while it still
    # carries the item the task stays open.
    check = await website.ask_takedown_check(ctx.rt, req, task, ctx.person.id, ctx.now)
    ctx.reply(checking(req, check.url))
