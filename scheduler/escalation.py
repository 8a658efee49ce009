"""Escalation: approvals and publishing tasks that wait longer than the org allows.

The first reminder comes after the lead time, the next ones after doubling waits (1, 2, 4,
8... lead times), then once a day: insistent early, never a flood. After downtime only the
reminder of the current period is sent, once, saying how long the thing has waited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.events import Button, Outgoing
from core.runtime import Runtime
from locales import _
from models.directory import deciders, people_with_role
from models.enums import Role, Status, TaskKind, TaskStatus
from models.request import Request, Task
from notices.buttons import approve_reject, button
from scheduler.base import (
    Batches,
    Due,
    Recipient,
    open_tasks,
    send_batches,
    tag,
    webmaster_audience,
)
from scheduler.wording import BUTTON_ITEMS, duration, item_line, join_parts, section, short_ref

APPROVAL = "approval"
TASK = "task"
DAY = timedelta(days=1)


def reminder_round(waited: timedelta, lead: timedelta) -> str | None:
    """Which reminder is due after waiting this long (a claim key part), None for none yet."""
    if waited < lead:
        return None
    if lead >= DAY:
        return f"l{int(waited / lead)}"  # every lead time
    if waited >= DAY:
        return f"d{int(waited / DAY)}"  # daily once a day has passed
    return f"x{int(waited / lead).bit_length()}"  # after 1, 2, 4, 8... lead times


def approval_lead(rt: Runtime, req: Request) -> timedelta:
    reminders = rt.org.reminders
    hours = reminders.approval_urgent_hours if req.urgent else reminders.approval_hours
    return timedelta(hours=hours)


def task_lead(rt: Runtime, req: Request) -> timedelta:
    reminders = rt.org.reminders
    if req.urgent:
        return timedelta(minutes=reminders.task_urgent_minutes)
    return timedelta(hours=reminders.task_hours)


async def escalate_approvals(rt: Runtime, now: datetime) -> int:
    """Remind the approver (and checkers, when the check step is on) of requests waiting."""
    waiting = await Request.filter(
        org_id=rt.org_id, status__in=[Status.PENDING, Status.CHECKING]
    ).order_by("id")
    if not waiting:
        return 0
    approvers = await deciders(rt.org_id, rt.today(now))
    checkers = await people_with_role(rt.org_id, Role.CHECKER)
    batches = Batches()
    for req in waiting:
        since = req.submitted_at or req.created_at
        due = reminder_round(now - since, approval_lead(rt, req))
        if due is None:
            continue
        for person in approvers if req.status == Status.PENDING else checkers:
            batches.add(person, Due(req.id, f"{due}:{tag(person)}", (req, now - since)))
    return await send_batches(rt, APPROVAL, batches, _approval_message)


async def _approval_message(person: Recipient, items: list[Due], locale: str) -> Outgoing:
    lines = [
        item_line(req, _("waiting {time}").format(time=duration(waited)))
        for req, waited in (d.subject for d in items)
    ]
    text = section(_("Requests still waiting for your decision"), lines)
    buttons: list[Button] = []
    for req, _waited in [d.subject for d in items][:BUTTON_ITEMS]:
        suffix = f" {short_ref(req.ref)}" if len(items) > 1 else ""
        if req.status == Status.CHECKING:
            buttons.append(
                await button(_("Pass") + suffix, "pass", request_id=req.id, style="primary")
            )
            buttons.append(
                await button(
                    _("Send back") + suffix, "send_back", request_id=req.id, style="danger"
                )
            )
        else:
            buttons.extend(await approve_reject(req.id, suffix=suffix))
    return Outgoing(text=text, buttons=tuple(buttons))


async def escalate_tasks(rt: Runtime, now: datetime) -> int:
    """Remind webmasters of publishing tasks nobody claimed, and claimers of unfinished ones."""
    tasks = await open_tasks(rt, TaskKind.PUBLISH)
    if not tasks:
        return 0
    audience = await webmaster_audience(rt)
    by_id = {p.id: p for p in await people_with_role(rt.org_id, Role.WEBMASTER)}
    batches = Batches()
    for task in tasks:
        lead = task_lead(rt, task.request)
        if task.status == TaskStatus.CLAIMED and task.claimed_by_id in by_id:
            since = task.claimed_at or task.created_at
            people, state = [by_id[task.claimed_by_id]], f"c{task.claimed_by_id}"
        else:
            since = task.due_at - lead if task.due_at else task.created_at
            people, state = audience, "o"
        due = reminder_round(now - since, lead)
        if due is None:
            continue
        for person in people:
            key = f"t{task.id}:{state}:{due}:{tag(person)}"
            batches.add(person, Due(task.request_id, key, (task, now - since)))
    return await send_batches(rt, TASK, batches, _task_message)


async def _task_message(person: Recipient, items: list[Due], locale: str) -> Outgoing:
    subjects: list[tuple[Task, timedelta]] = [d.subject for d in items]
    unclaimed = [(t, w) for t, w in subjects if t.status == TaskStatus.OPEN]
    mine = [(t, w) for t, w in subjects if t.status != TaskStatus.OPEN]
    text = join_parts(
        section(
            _("Publishing tasks nobody has claimed"),
            [
                item_line(t.request, _("waiting {time}").format(time=duration(w)))
                for t, w in unclaimed
            ],
        ),
        section(
            _("Tasks you claimed that are not published yet"),
            [
                item_line(t.request, _("claimed {time} ago").format(time=duration(w)))
                for t, w in mine
            ],
        ),
    )
    buttons = []
    for task, _waited in unclaimed[:BUTTON_ITEMS]:
        suffix = f" {short_ref(task.request.ref)}" if len(unclaimed) > 1 else ""
        buttons.append(
            await button(
                _("Claim") + suffix,
                "claim",
                request_id=task.request_id,
                task_id=task.id,
                style="primary",
            )
        )
    return Outgoing(text=text, buttons=tuple(buttons))
