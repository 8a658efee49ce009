"""Escalation: approvals and publishing tasks chased after the org's lead times, urgent sooner."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import procedure
from models.enums import TaskKind, TaskStatus
from models.request import Request, Task
from scheduler.escalation import escalate_approvals, escalate_tasks, reminder_round
from tests.factories import draft
from tests.scheduler_kit import at, cast, inbox, texts

# The SQL that matters on PostgreSQL runs in this module's other tests; these stay fast.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

SUBMITTED = "2027-01-04T09:00"  # a Monday


async def submitted(rt, people, *, urgent=False, title="Road closure"):
    req = await draft(rt, people["owner"], title=title, urgent=urgent, end_in_days=60)
    await procedure.submit(rt, req.id, people["owner"].id, now=at(SUBMITTED))
    return await Request.get(id=req.id)


async def test_escalation_pending_approval_is_chased_each_day_it_waits(rt):
    people = await cast(rt)
    req = await submitted(rt, people)
    assert await escalate_approvals(rt, at("2027-01-05T08:59")) == 0
    assert await escalate_approvals(rt, at("2027-01-05T09:00")) == 1
    assert await escalate_approvals(rt, at("2027-01-05T09:00")) == 0
    assert await escalate_approvals(rt, at("2027-01-05T20:00")) == 0
    assert await escalate_approvals(rt, at("2027-01-06T11:30")) == 1
    reminders = await inbox(people["approver"], "scheduler.approval")
    assert [m.text for m in reminders] == [
        f"Requests still waiting for your decision (1):\n• {req.ref} Road closure: waiting 1 day",
        f"Requests still waiting for your decision (1):\n• {req.ref} Road closure: waiting 2 days 2 hours",
    ]
    assert [b.label for b in reminders[0].buttons] == ["Approve", "Reject"]
    assert await texts(people["owner"], "scheduler.") == []


@SQLITE_ONLY
async def test_escalation_urgent_approval_after_one_hour(rt):
    people = await cast(rt)
    req = await submitted(rt, people, urgent=True, title="Flood warning")
    assert await escalate_approvals(rt, at("2027-01-04T09:59")) == 0
    assert await escalate_approvals(rt, at("2027-01-04T10:00")) == 1
    assert await texts(people["approver"], "scheduler.approval") == [
        f"Requests still waiting for your decision (1):\n• {req.ref} Flood warning [URGENT]: waiting 1 hour"
    ]


@SQLITE_ONLY
async def test_escalation_after_downtime_sends_the_current_reminder_once(rt):
    people = await cast(rt)
    await submitted(rt, people)
    assert await escalate_approvals(rt, at("2027-01-07T15:00")) == 1
    assert await escalate_approvals(rt, at("2027-01-07T15:05")) == 0
    [text] = await texts(people["approver"], "scheduler.approval")
    assert text.endswith("waiting 3 days 6 hours")


async def test_escalation_unclaimed_task_goes_to_every_webmaster(rt):
    people = await cast(rt)
    normal = await submitted(rt, people, title="Tender notice")
    urgent = await submitted(rt, people, urgent=True, title="Water cut")
    approved = at("2027-01-04T10:00")
    for req in (normal, urgent):
        await procedure.transition(rt, req.id, "approve", people["approver"].id, now=approved)
    assert await escalate_tasks(rt, at("2027-01-04T10:29")) == 0
    assert await escalate_tasks(rt, at("2027-01-04T10:30")) == 2  # urgent: 30 minutes
    assert await escalate_tasks(rt, at("2027-01-04T14:00")) == 2  # normal: 4 hours (+ urgent again)
    messages = await inbox(people["web2"], "scheduler.task")
    assert messages[0].text == (
        f"Publishing tasks nobody has claimed (1):\n• {urgent.ref} Water cut [URGENT]: waiting 30 minutes"
    )
    assert messages[1].text == (
        "Publishing tasks nobody has claimed (2):\n"
        f"• {normal.ref} Tender notice: waiting 4 hours\n"
        f"• {urgent.ref} Water cut [URGENT]: waiting 4 hours"
    )
    short = normal.ref.removeprefix("WP-")
    assert messages[1].buttons[0].label == f"Claim {short}"


@SQLITE_ONLY
async def test_escalation_claimed_task_reminds_only_the_claimer(rt):
    people = await cast(rt)
    req = await submitted(rt, people, title="Tender notice")
    await procedure.transition(
        rt, req.id, "approve", people["approver"].id, now=at("2027-01-04T10:00")
    )
    await Task.filter(request_id=req.id, kind=TaskKind.PUBLISH).update(
        status=TaskStatus.CLAIMED,
        claimed_by_id=people["web2"].id,
        claimed_at=at("2027-01-04T11:00"),
    )
    assert await escalate_tasks(rt, at("2027-01-04T14:59")) == 0
    assert await escalate_tasks(rt, at("2027-01-04T15:00")) == 1
    assert await texts(people["web1"], "scheduler.task") == []
    assert await texts(people["web2"], "scheduler.task") == [
        f"Tasks you claimed that are not published yet (1):\n• {req.ref} Tender notice: claimed 4 hours ago"
    ]


@SQLITE_ONLY
async def test_escalation_nothing_waiting_nothing_sent(rt):
    await cast(rt)
    assert await escalate_approvals(rt, at("2027-01-04T09:00")) == 0
    assert await escalate_tasks(rt, at("2027-01-04T09:00")) == 0
    assert date(2027, 1, 4).isoweekday() == 1


def test_escalation_reminders_double_their_wait_then_come_daily():
    lead = timedelta(hours=4)
    due_at_hours = [
        h
        for h in range(0, 73)
        if reminder_round(timedelta(hours=h), lead) != reminder_round(timedelta(hours=h - 1), lead)
    ]
    assert due_at_hours == [4, 8, 16, 24, 48, 72]
    assert reminder_round(timedelta(hours=47), timedelta(hours=24)) == "l1"
    assert reminder_round(timedelta(hours=48), timedelta(hours=24)) == "l2"
    assert reminder_round(timedelta(minutes=29), timedelta(minutes=30)) is None
