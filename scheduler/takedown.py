"""Takedowns that are late: chased daily with the webmasters, then the approver is told.

A missed takedown is never silent: the chase counts from the day the item should have come
down (its end date, or the day the takedown was asked for), so an expiry that itself ran
late after downtime is chased at once, saying how late it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.events import Outgoing
from core.runtime import Runtime
from core.thaidate import format_date
from locales import _
from models.directory import deciders, people_with_role
from models.enums import Role, TaskKind
from models.people import Person
from models.request import Request, Task
from notices.buttons import button
from scheduler.base import (
    Batches,
    Due,
    Recipient,
    day_start,
    open_tasks,
    send_batches,
    tag,
    webmaster_audience,
)
from scheduler.wording import BUTTON_ITEMS, days_ago, item_line, join_parts, section, short_ref

CHASE = "takedown-chase"
ESCALATE = "takedown-escalate"


@dataclass(frozen=True)
class Late:
    task: Task
    request: Request
    deadline: date
    days: int  # days past the deadline


def deadline_of(rt: Runtime, task: Task, req: Request) -> date:
    """The day an item should have come down: its end date, or when the takedown was asked."""
    asked = rt.today(task.due_at or task.created_at)
    return min(req.end_date, asked) if req.end_date else asked


def chase_number(rt: Runtime, deadline: date, now: datetime) -> int:
    """How many chase intervals have passed since the deadline (0: not late yet)."""
    every = rt.org.reminders.takedown_chase_days
    n = (rt.today(now) - deadline).days // every
    while n > 0 and now < day_start(rt, deadline + timedelta(days=n * every)):
        n -= 1
    return max(n, 0)


async def chase_takedowns(rt: Runtime, now: datetime) -> int:
    """Chase webmasters about overdue takedowns; tell the approver once past the org's limit."""
    tasks = await open_tasks(rt, TaskKind.TAKEDOWN)
    if not tasks:
        return 0
    today = rt.today(now)
    audience = await webmaster_audience(rt)
    by_id = {p.id: p for p in await people_with_role(rt.org_id, Role.WEBMASTER)}
    approvers = await deciders(rt.org_id, today)
    escalate_after = timedelta(days=rt.org.reminders.takedown_escalate_days)
    chase, escalate = Batches(), Batches()
    for task in tasks:
        req = task.request
        deadline = deadline_of(rt, task, req)
        n = chase_number(rt, deadline, now)
        if n == 0:
            continue
        late = Late(task, req, deadline, (today - deadline).days)
        claimer = by_id.get(task.claimed_by_id) if task.claimed_by_id else None
        for who in [claimer] if claimer else audience:
            chase.add(who, Due(req.id, f"t{task.id}:{n}:{tag(who)}", late))
        if now >= day_start(rt, deadline + escalate_after):
            for person in approvers:
                escalate.add(person, Due(req.id, f"t{task.id}:{tag(person)}", late))
    sent = await send_batches(rt, CHASE, chase, _chase_message)

    async def render_escalation(person: Recipient, items: list[Due], locale: str) -> Outgoing:
        return await _escalation_message(rt, items, locale)

    return sent + await send_batches(rt, ESCALATE, escalate, render_escalation)


def _late_line(late: Late, locale: str) -> str:
    return item_line(
        late.request,
        _("should have come down on {date} ({ago})").format(
            date=format_date(late.deadline, locale), ago=days_ago(late.days)
        ),
    )


async def _chase_message(person: Recipient, items: list[Due], locale: str) -> Outgoing:
    lates: list[Late] = [d.subject for d in items]
    text = join_parts(
        section(_("Still on the website after its end"), [_late_line(x, locale) for x in lates]),
        _("Take them down, then tap Taken down."),
    )
    buttons = []
    for late in lates[:BUTTON_ITEMS]:
        suffix = f" {short_ref(late.request.ref)}" if len(lates) > 1 else ""
        buttons.append(
            await button(
                _("Taken down") + suffix,
                "taken_down",
                request_id=late.request.id,
                task_id=late.task.id,
                style="primary",
            )
        )
    return Outgoing(text=text, buttons=tuple(buttons))


async def _escalation_message(rt: Runtime, items: list[Due], locale: str) -> Outgoing:
    lines = []
    for due in items:
        late: Late = due.subject
        who = (
            _("claimed by {name}").format(name=(await Person.get(id=late.task.claimed_by_id)).name)
            if late.task.claimed_by_id
            else _("no webmaster has claimed it")
        )
        lines.append(f"{_late_line(late, locale)}; {who}")
    limit = rt.org.reminders.takedown_escalate_days
    text = join_parts(
        section(_("Takedowns overdue for {days} days or more").format(days=limit), lines),
        _("The webmasters are reminded every day until it is done."),
    )
    return Outgoing(text=text)
