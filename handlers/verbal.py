"""Verbal approval of an urgent request (announcement 2.2.1), recorded by a webmaster or checker.

/verbal ──► urgent requests waiting, as buttons ──tap──┐
/verbal WP-2569-0001 ─────────────────────────────────┴► verbal.how
verbal.how ──[By phone] / [In person] / [Other: typed]──► verbal.when
verbal.when ──[Just now] / typed time (14:30)──► approved (verbal), the approver is asked
                                                 to Confirm or Revoke; webmasters get the task
"""

from __future__ import annotations

import re
from datetime import datetime, time

import procedure
from core.errors import Refusal
from core.events import Outgoing
from core.thaidate import THAI_DIGITS, format_datetime
from handlers.base import Context
from handlers.common import personal_button, request_by_ref, start_dialog, token_request
from handlers.guards import own_button, own_dialog, require_role, typed_text
from handlers.routing import Router
from locales import N_, _, using_locale
from models import workflow
from models.directory import deciders
from models.enums import Role, Status
from models.messaging import ButtonToken, Dialog
from models.request import Request
from notices.copies import retire_buttons

FLOW = "verbal"
ASK_HOW = "verbal.how"
ASK_WHEN = "verbal.when"
RECORDERS = (Role.WEBMASTER, Role.CHECKER)
WAITING = (Status.PENDING, Status.CHECKING)
MEANS = (("phone", N_("By phone")), ("in_person", N_("In person")))
CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})(?:\s*(?:น\.?|นาฬิกา))?$")
NOW_WORDS = {"now", "just now", "ตอนนี้", "เมื่อกี้", "เมื่อสักครู่", "เดี๋ยวนี้"}
LIST_MAX = 6
TEXT_MAX = 500


router = Router("verbal")

async def _urgent_waiting(ctx: Context, req: Request) -> Request:
    if not req.urgent:
        raise Refusal(
            _("{ref} is not urgent: it waits for the approver's tap.").format(ref=req.ref)
        )
    if req.status not in WAITING:
        raise await workflow.refusal(req, "verbal_approve", ctx.rt.tz)
    return req


@router.command("verbal", "อนุมัติวาจา", "อนุมัติด้วยวาจา")
async def verbal(ctx: Context, rest: str) -> None:
    """Record that the approver approved an urgent request by word of mouth."""
    await require_role(ctx, *RECORDERS)
    if rest.strip():
        req = await _urgent_waiting(ctx, await request_by_ref(ctx, rest))
        await _ask_how(ctx, req)
        return
    waiting = (
        await Request.filter(org_id=ctx.rt.org_id, urgent=True, status__in=WAITING)
        .order_by("id")
        .limit(LIST_MAX)
    )
    if not waiting:
        ctx.reply(_("No urgent request is waiting for approval."))
        return
    buttons = [
        await personal_button(ctx, f"{r.ref} {r.title}"[:40], "verbal_pick", r) for r in waiting
    ]
    ctx.reply(
        Outgoing(
            text=_("Which urgent request did the approver approve verbally?"),
            buttons=tuple(buttons),
            quick=False,
        )
    )


@router.button("verbal_pick")
async def picked(ctx: Context, token: ButtonToken) -> None:
    own_button(ctx, token)
    await require_role(ctx, *RECORDERS)
    req = await _urgent_waiting(ctx, await token_request(token))
    await _ask_how(ctx, req)


async def _ask_how(ctx: Context, req: Request) -> None:
    await start_dialog(ctx, FLOW, ASK_HOW, req)
    buttons = [
        await personal_button(ctx, _(label), "verbal_how", req, data={"means": code})
        for code, label in MEANS
    ]
    ctx.reply(
        Outgoing(
            text=_(
                "How did the approver approve {ref}? Tap one, or type it (e.g. LINE call)."
            ).format(ref=req.ref),
            buttons=tuple(buttons),
        )
    )


@router.button("verbal_how")
async def how_tapped(ctx: Context, token: ButtonToken) -> None:
    dialog = await _dialog(ctx, token)
    with using_locale(ctx.rt.default_locale):
        means = _(dict(MEANS).get(token.data.get("means", ""), N_("By phone")))
    await _ask_when(ctx, dialog, means)


async def _dialog(ctx: Context, token: ButtonToken) -> Dialog:
    """The person's verbal dialog this button belongs to."""
    own_button(ctx, token)
    return await own_dialog(ctx, FLOW, lambda dialog: dialog.request_id == token.request_id)


async def _ask_when(ctx: Context, dialog: Dialog, means: str) -> None:
    dialog.step = ASK_WHEN
    dialog.data["means"] = means
    await dialog.save()
    req = await Request.get(id=dialog.request_id)
    now = await personal_button(ctx, _("Just now"), "verbal_now", req)
    ctx.reply(
        Outgoing(
            text=_("When? Tap Just now, or type the time (e.g. 14:30)."),
            buttons=(now,),
        )
    )


@router.button("verbal_now")
async def now_tapped(ctx: Context, token: ButtonToken) -> None:
    dialog = await _dialog(ctx, token)
    if dialog.step == ASK_WHEN:
        await _record(ctx, dialog, ctx.now)


@router.flow(FLOW)
async def typed(ctx: Context, dialog: Dialog) -> None:
    """The means in words, or the time of the approval."""
    text = typed_text(ctx, TEXT_MAX)
    if dialog.step == ASK_HOW:
        await _ask_when(ctx, dialog, text[:100])
        return
    when = _read_time(ctx, text)
    if when is None:
        ctx.reply(_("Please type the time such as 14:30, or tap Just now; /cancel stops."))
        return
    if when > ctx.now:
        ctx.reply(_("That time is still to come. Please type the time it was approved."))
        return
    await _record(ctx, dialog, when)


def _read_time(ctx: Context, text: str) -> datetime | None:
    """Today at a typed clock time in the organization's zone; "now" is now."""
    if text.casefold() in NOW_WORDS:
        return ctx.now
    match = CLOCK.match(text.translate(THAI_DIGITS))
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    local = datetime.combine(ctx.rt.today(ctx.now), time(int(match[1]), int(match[2])))
    return local.replace(tzinfo=ctx.rt.tz)


async def _record(ctx: Context, dialog: Dialog, when: datetime) -> None:
    """Approve verbally: by whom (the approver of the day), how and when, recorded by this person."""
    req = await Request.get(id=dialog.request_id)
    await dialog.delete()
    approvers = await deciders(ctx.rt.org_id, ctx.rt.today(ctx.now))
    approver = approvers[0] if approvers else None
    means = dialog.data.get("means", "")
    await require_role(ctx, *RECORDERS)
    await _urgent_waiting(ctx, req)
    change = await procedure.transition(
        ctx.rt,
        req.id,
        "verbal_approve",
        ctx.person.id,
        now=ctx.now,
        how="verbal",
        acting_for_id=approver.id if approver else None,
        reason_code="verbal",
        verbal_by=f"{approver.name if approver else '-'}, {means}",
        verbal_at=when,
    )
    await retire_buttons(
        req.id,
        {"approve", "reject", "pass", "send_back"},
        words=lambda: workflow.decision_words(change.decision, ctx.rt.tz),
        default_locale=ctx.rt.default_locale,
    )
    ctx.reply(
        _(
            "Recorded: {ref} approved verbally by {name} ({means}, {when}). The approver is "
            "asked to confirm it; the webmasters have the task."
        ).format(
            ref=req.ref,
            name=approver.name if approver else "-",
            means=means,
            when=format_datetime(when.astimezone(ctx.rt.tz), ctx.locale),
        )
    )
