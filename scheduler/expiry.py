"""Publication periods (announcement 3.2): warnings before the end date, expiry on it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import procedure
from core.events import Button, Outgoing
from core.runtime import Runtime
from core.thaidate import format_date
from locales import _
from models import workflow
from models.enums import Status
from models.people import Person
from models.reminders import LET_END
from models.request import Reminder, Request
from notices.buttons import button
from scheduler.base import Batches, Due, Recipient, day_start, send_batches, tag, webmaster_audience
from scheduler.wording import BUTTON_ITEMS, days_left, item_line, join_parts, section, short_ref

WARNING = "expiry"


def due_lead(rt: Runtime, end_date: date, now: datetime) -> int | None:
    """The lead time (days before the end) whose warning is due now: the nearest one passed.

    After downtime only the most urgent lead is sent; the earlier ones are not sent late.
    """
    if now >= day_start(rt, end_date):
        return None  # the end date has come: expiry, not a warning
    for lead in sorted(rt.org.reminders.expiry_days):
        if now >= day_start(rt, end_date - timedelta(days=lead)):
            return lead
    return None


async def warn_expiring(rt: Runtime, now: datetime) -> int:
    """Warn owners and webmasters of published items ending soon, one message each."""
    today = rt.today(now)
    horizon = today + timedelta(days=max(rt.org.reminders.expiry_days))
    # Answered by the (status, end_date) index: a range on a handful of rows, not a scan.
    due = await Request.filter(
        org_id=rt.org_id,
        status=Status.PUBLISHED,
        end_date__gte=today,
        end_date__lte=horizon,
    ).order_by("end_date", "id")
    due = [req for req in due if due_lead(rt, req.end_date, now) is not None]
    if not due:
        return 0
    quiet = set(
        await Reminder.filter(kind=LET_END, request_id__in=[r.id for r in due]).values_list(
            "request_id", "key"
        )
    )
    owners = {
        p.id: p for p in await Person.filter(id__in=list({r.owner_id for r in due}), active=True)
    }
    webmasters = await webmaster_audience(rt)
    batches = Batches()
    for req in due:
        lead = due_lead(rt, req.end_date, now)
        recipients: list[Recipient] = list(webmasters)
        owner = owners.get(req.owner_id)
        if owner is not None and (req.id, req.end_date.isoformat()) not in quiet:
            recipients.append(owner)
        for person in recipients:
            key = f"{lead}d:{req.end_date.isoformat()}:{tag(person)}"
            batches.add(person, Due(req.id, key, req))

    async def render(person: Recipient, items: list[Due], locale: str) -> Outgoing:
        return await warning_message(rt, person, [d.subject for d in items], today, locale)

    return await send_batches(rt, WARNING, batches, render)


async def warning_message(
    rt: Runtime, person: Recipient, items: list[Request], today: date, locale: str
) -> Outgoing:
    """One person's warning: their own items with Extend and Let it end, others as a list."""
    mine = isinstance(person, Person)
    own = [r for r in items if mine and r.owner_id == person.id]
    others = [r for r in items if r not in own]

    def line(req: Request) -> str:
        ends = _("ends {date} ({when})").format(
            date=format_date(req.end_date, locale), when=days_left((req.end_date - today).days)
        )
        return item_line(req, ends)

    text = join_parts(
        section(_("Your items leave the website soon"), [line(r) for r in own]),
        _("Tap Extend to ask the approver for a later end date, or Let it end.") if own else "",
        section(_("Items to take down on their end date"), [line(r) for r in others]),
    )
    buttons: list[Button] = []
    for req in own[:BUTTON_ITEMS]:
        suffix = f" {short_ref(req.ref)}" if len(own) > 1 else ""
        data = {"end_date": req.end_date.isoformat()}
        buttons.append(
            await button(
                _("Extend") + suffix, "extend", request_id=req.id, data=data, style="primary"
            )
        )
        buttons.append(
            await button(_("Let it end") + suffix, "let_end", request_id=req.id, data=data)
        )
    return Outgoing(text=text, buttons=tuple(buttons))


async def expire_items(rt: Runtime, now: datetime) -> int:
    """Move published items whose end date has come to `expired` (takedown task, notices).

    The workflow's conditional update makes this once per item even when two instances run
    it together; the loser gets a WorkflowError and moves on.
    """
    today = rt.today(now)
    rows = (
        await Request.filter(org_id=rt.org_id, status=Status.PUBLISHED, end_date__lte=today)
        .order_by("end_date", "id")
        .values_list("id", "end_date")
    )
    expired = 0
    for request_id, end_date in rows:
        if now < day_start(rt, end_date):
            continue
        try:
            await procedure.transition(rt, request_id, "expire", None, now=now)
        except workflow.WorkflowError:
            continue  # another instance expired it, or an extension changed it meanwhile
        expired += 1
    return expired
