"""The morning digest: on working days, what waits on the approver and on each webmaster.

Sent once per person per working day from the org's digest time (catching up later that day
after downtime, marked late); nothing is sent to someone with nothing waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.events import Outgoing
from core.runtime import Runtime
from core.thaidate import format_date
from locales import _
from models.directory import deciders, people_with_role
from models.enums import Role, Status, TaskKind, TaskStatus
from models.messaging import ButtonToken
from models.people import Person
from models.request import Request, Task
from notices.dead import dead_for, dead_line
from scheduler.base import Batches, Due, Recipient, day_start, is_working_day, send_batches, tag
from scheduler.escalation import task_lead
from scheduler.takedown import deadline_of
from scheduler.wording import duration, item_line, join_parts, section
from website.verdict import describe_stored

DIGEST = "digest"
LATE_AFTER = timedelta(hours=1)  # a digest sent later than this says so


async def morning_digest(rt: Runtime, now: datetime) -> int:
    """Send today's digest to each approver and webmaster who has something waiting."""
    today = rt.today(now)
    if not is_working_day(rt, today) or now < day_start(rt, today):
        return 0
    roles: dict[int, tuple[Person, set[Role]]] = {}
    for role, people in (
        (Role.APPROVER, await deciders(rt.org_id, today)),
        (Role.WEBMASTER, await people_with_role(rt.org_id, Role.WEBMASTER)),
    ):
        for person in people:
            roles.setdefault(person.id, (person, set()))[1].add(role)
    batches = Batches()
    for person, person_roles in roles.values():
        batches.add(person, Due(None, f"{today.isoformat()}:{tag(person)}", person_roles))

    async def render(person: Recipient, items: list[Due], locale: str) -> Outgoing | None:
        assert isinstance(person, Person)
        return await digest_message(rt, person, items[0].subject, now, locale)

    return await send_batches(rt, DIGEST, batches, render)


async def digest_message(
    rt: Runtime, person: Person, roles: set[Role], now: datetime, locale: str
) -> Outgoing | None:
    """One person's digest, or None when nothing waits on them."""
    parts: list[str] = []
    if Role.APPROVER in roles:
        parts += await _approver_sections(rt, now, locale)
    if Role.WEBMASTER in roles:
        parts += await _webmaster_sections(rt, person, now, locale)
    parts.append(await _undelivered_section(person, now))
    if not any(parts):
        return None
    today = rt.today(now)
    heading = _("Good morning. What waits for you on {date}:").format(
        date=format_date(today, locale)
    )
    if now - day_start(rt, today) > LATE_AFTER:
        heading += "\n" + _("(Sent late: the scheduler was not running at {time}.)").format(
            time=rt.org.reminders.digest_time.strftime("%H:%M")
        )
    return Outgoing(text=join_parts(heading, *parts))


async def _undelivered_section(person: Person, now: datetime) -> str:
    """Approval cards, takedown tasks and verbal approvals sent to this person that never arrived."""
    rows = await dead_for(person.id, now)
    return section(
        _("Messages to you that could not be delivered (ask the admin to send them again)"),
        [await dead_line(r) for r in rows],
    )


async def _approver_sections(rt: Runtime, now: datetime, locale: str) -> list[str]:
    pending = await Request.filter(org_id=rt.org_id, status=Status.PENDING).order_by(
        "submitted_at", "id"
    )
    verbal = await Request.filter(
        org_id=rt.org_id,
        verbal=True,
        verbal_confirmed=None,
        status__in=[Status.APPROVED, Status.PUBLISHED],
    ).order_by("id")
    asks = (
        await ButtonToken.filter(
            action="extension_approve", used_at=None, request__org_id=rt.org_id
        )
        .order_by("created_at")
        .prefetch_related("request")
    )
    seen: set[str] = set()
    extension_lines = []
    for token in asks:
        proposal = token.data.get("proposal", token.token)
        if proposal in seen or token.request.status != Status.PUBLISHED:
            continue
        seen.add(proposal)
        new_end = datetime.fromisoformat(token.data["end_date"]).date()
        extension_lines.append(
            item_line(token.request, _("until {date}").format(date=format_date(new_end, locale)))
        )
    return [
        section(
            _("Requests to approve"),
            [
                item_line(r, _("waiting {time}").format(time=duration(now - r.submitted_at)))
                for r in pending
                if r.submitted_at
            ],
        ),
        section(_("Verbal approvals to confirm"), [item_line(r) for r in verbal]),
        section(_("End date extensions to decide"), extension_lines),
    ]


async def _webmaster_sections(rt: Runtime, person: Person, now: datetime, locale: str) -> list[str]:
    tasks = (
        await Task.filter(request__org_id=rt.org_id, status=TaskStatus.OPEN)
        .order_by("id")
        .prefetch_related("request")
    )
    mine = (
        await Task.filter(
            request__org_id=rt.org_id, status=TaskStatus.CLAIMED, claimed_by_id=person.id
        )
        .order_by("id")
        .prefetch_related("request")
    )

    def line(task: Task, say_kind: bool = False) -> str:
        req = task.request
        if task.kind == TaskKind.TAKEDOWN:
            tail = _("take down by {date}").format(
                date=format_date(deadline_of(rt, task, req), locale)
            )
        else:
            since = task.due_at - task_lead(rt, req) if task.due_at else task.created_at
            waited = duration(now - since)
            tail = (_("to publish, waiting {time}") if say_kind else _("waiting {time}")).format(
                time=waited
            )
        return item_line(req, tail)

    upcoming = (
        await Task.filter(request__org_id=rt.org_id, status=TaskStatus.SCHEDULED)
        .order_by("due_at", "id")
        .prefetch_related("request")
    )
    return [
        section(_("To publish"), [line(t) for t in tasks if t.kind == TaskKind.PUBLISH]),
        section(_("To take down"), [line(t) for t in tasks if t.kind == TaskKind.TAKEDOWN]),
        section(
            _("To repair on the website"),
            [item_line(t.request, describe_stored(t.reason)) for t in tasks if t.kind == TaskKind.REPAIR],
        ),
        section(_("Claimed by you, not finished"), [line(t, say_kind=True) for t in mine]),
        section(
            _("Coming up: to publish on their date"),
            [
                item_line(
                    t.request,
                    _("from {date}").format(date=format_date(t.request.publish_date, locale)),
                )
                for t in upcoming
            ],
        ),
    ]
