"""The request workflow: the transition table and the one function that moves a request.

Every transition runs in one transaction: a conditional update on the current state and
version (so two taps or two approvers cannot both win), the decision and task rows it
implies, an audit event, and the outbox rows for everyone it concerns.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from locales import _, current_locale
from models import notices
from models.audit import append_event
from models.enums import Status, TaskKind, TaskStatus
from models.messaging import OutboxMessage
from models.people import Person
from models.request import Decision, ReferenceCounter, Request, Task
from models.runtime import Runtime
from models.thaidate import be_year, format_datetime

TRANSITIONS: dict[tuple[Status, str], Status] = {
    (Status.DRAFT, "submit"): Status.PENDING,
    (Status.DRAFT, "submit_for_check"): Status.CHECKING,
    (Status.DRAFT, "discard"): Status.WITHDRAWN,
    (Status.CHECKING, "pass"): Status.PENDING,
    (Status.CHECKING, "send_back"): Status.REJECTED,
    (Status.CHECKING, "withdraw"): Status.WITHDRAWN,
    (Status.CHECKING, "verbal_approve"): Status.APPROVED,
    (Status.PENDING, "approve"): Status.APPROVED,
    (Status.PENDING, "reject"): Status.REJECTED,
    (Status.PENDING, "withdraw"): Status.WITHDRAWN,
    (Status.PENDING, "verbal_approve"): Status.APPROVED,
    (Status.APPROVED, "publish"): Status.PUBLISHED,
    (Status.APPROVED, "return"): Status.RETURNED,
    (Status.APPROVED, "revoke"): Status.REJECTED,
    (Status.PUBLISHED, "expire"): Status.EXPIRED,
    (Status.PUBLISHED, "takedown"): Status.EXPIRED,
    (Status.PUBLISHED, "revoke"): Status.EXPIRED,
    (Status.EXPIRED, "remove"): Status.REMOVED,
}

ACTIONS = frozenset(action for _status, action in TRANSITIONS)
# Actions that are a decision by a person and leave a Decision row.
DECISIONS = frozenset(
    {"approve", "reject", "pass", "send_back", "verbal_approve", "revoke", "withdraw", "return"}
)
# Actions that only make sense with a request still waiting on a decider.
DECIDING = frozenset({"approve", "reject", "pass", "send_back", "verbal_approve"})


class WorkflowError(Exception):
    """A change that cannot be made; the message is for the person who asked."""


class IllegalTransition(WorkflowError):
    pass


class AlreadyDecided(WorkflowError):
    pass


class Incomplete(WorkflowError):
    pass


@dataclass
class Change:
    request: Request
    action: str
    before: Status
    after: Status
    actor_id: int | None
    task: Task | None = None
    decision: Decision | None = None
    outbox: list[OutboxMessage] = field(default_factory=list)


def target_of(status: Status, action: str) -> Status | None:
    return TRANSITIONS.get((Status(status), action))


async def allocate_reference(org_id: int, year_be: int) -> str:
    """The next `WP-<BE year>-<NNNN>`, inside the submitting transaction (no gap on rollback)."""
    for _attempt in range(3):
        changed = await ReferenceCounter.filter(org_id=org_id, year_be=year_be).update(
            last_seq=F("last_seq") + 1
        )
        if changed:
            counter = await ReferenceCounter.get(org_id=org_id, year_be=year_be)
            return f"WP-{year_be}-{counter.last_seq:04d}"
        try:
            async with in_transaction():
                await ReferenceCounter.create(org_id=org_id, year_be=year_be, last_seq=1)
            return f"WP-{year_be}-0001"
        except IntegrityError:
            continue  # another submission created this year's counter first
    raise RuntimeError("could not allocate a reference number")


def check_complete(req: Request) -> None:
    """Refuse to submit a request that lacks what the announcement (2.2) asks for."""
    missing = []
    if req.category_id is None:
        missing.append(_("category"))
    if not req.title.strip():
        missing.append(_("title"))
    if req.publish_date is None:
        missing.append(_("publish date"))
    if not req.certified:
        missing.append(_("certification"))
    if missing:
        raise Incomplete(_("The request is missing: {fields}.").format(fields=", ".join(missing)))
    if (
        req.end_date is not None
        and req.publish_date is not None
        and req.end_date < req.publish_date
    ):
        raise Incomplete(_("The end date is before the publish date."))


async def refusal(req: Request, action: str, tz: tzinfo | None = None) -> WorkflowError:
    """The error for an action the request's state does not allow, naming who got there first."""
    if action in DECIDING and req.status not in (Status.DRAFT, Status.PENDING, Status.CHECKING):
        last = (
            await Decision.filter(request_id=req.id)
            .exclude(action__in=["withdraw"])
            .order_by("-id")
            .first()
            .prefetch_related("person")
        )
        if req.status == Status.WITHDRAWN:
            return AlreadyDecided(
                _("Request {ref} was withdrawn by its owner.").format(ref=req.ref or "-")
            )
        if last is not None and last.person is not None:
            return AlreadyDecided(
                _("Request {ref} was already decided by {name} at {when}.").format(
                    ref=req.ref or "-",
                    name=last.person.name,
                    when=format_datetime(
                        last.created_at.astimezone(tz) if tz else last.created_at,
                        current_locale(),
                    ),
                )
            )
        return AlreadyDecided(_("Request {ref} was already decided.").format(ref=req.ref or "-"))
    return IllegalTransition(
        _("Request {ref} is {status}: this cannot be done now.").format(
            ref=req.ref or "-", status=status_label(req.status)
        )
    )


def status_label(status: str) -> str:
    labels = {
        Status.DRAFT: _("draft"),
        Status.CHECKING: _("being checked"),
        Status.PENDING: _("waiting for approval"),
        Status.APPROVED: _("approved"),
        Status.PUBLISHED: _("published"),
        Status.EXPIRED: _("due for takedown"),
        Status.REMOVED: _("taken down"),
        Status.REJECTED: _("not approved"),
        Status.WITHDRAWN: _("withdrawn"),
        Status.RETURNED: _("returned by the webmaster"),
    }
    return labels.get(Status(status), str(status))


async def transition(
    rt: Runtime,
    request_id: int,
    action: str,
    actor_id: int | None,
    *,
    now: datetime | None = None,
    how: str = "button",
    acting_for_id: int | None = None,
    reason_code: str = "",
    reason: str = "",
    url: str = "",
    verbal_by: str = "",
    verbal_at: datetime | None = None,
) -> Change:
    """Move a request by one action, or raise a WorkflowError that says why not."""
    now = now or datetime.now(UTC)
    async with in_transaction():
        req = await Request.get(id=request_id)
        before = Status(req.status)
        after = target_of(before, action)
        if after is None:
            raise await refusal(req, action, rt.tz)
        updates: dict = {}
        if action in ("submit", "submit_for_check"):
            check_complete(req)
            updates["submitted_at"] = now
            if not req.ref:
                updates["ref"] = await allocate_reference(rt.org_id, be_year(rt.today(now)))
        elif action in ("approve", "reject", "send_back", "verbal_approve"):
            updates["decided_at"] = now
            if action == "verbal_approve":
                updates["verbal"] = True
        elif action == "publish":
            updates.update(published_at=now, published_url=url)
            if req.end_date is None:
                updates["review_due"] = _add_months(rt.today(now), rt.org.reminders.review_months)
        elif action in ("expire", "takedown", "revoke") and before == Status.PUBLISHED:
            updates["expired_at"] = now
        elif action == "remove":
            updates["removed_at"] = now
        if action == "revoke":
            updates["verbal_confirmed"] = False
        changed = await Request.filter(id=req.id, status=before, version=req.version).update(
            status=after, version=F("version") + 1, **updates
        )
        if changed == 0:
            raise await refusal(await Request.get(id=request_id), action, rt.tz)
        req = await Request.get(id=request_id)
        change = Change(req, action, before, after, actor_id)
        if action in DECISIONS:
            change.decision = await Decision.create(
                request_id=req.id,
                person_id=actor_id,
                action=action,
                how=how,
                acting_for_id=acting_for_id,
                reason_code=reason_code,
                reason=reason,
                verbal_by=verbal_by,
                verbal_at=verbal_at,
            )
        change.task = await _task_effects(rt, change, now, url=url, reason=reason)
        await append_event(
            rt.org_id,
            f"request.{action}",
            actor_id=actor_id,
            request_id=req.id,
            at=now,
            data={
                "ref": req.ref,
                "from": before.value,
                "to": after.value,
                "how": how,
                "reason_code": reason_code,
                "reason": reason,
                "url": url,
                "acting_for": acting_for_id,
            },
        )
        change.outbox = await notices.notify_change(rt, change, now)
        return change


async def _task_effects(
    rt: Runtime, change: Change, now: datetime, *, url: str, reason: str
) -> Task | None:
    """The webmaster tasks a transition opens or closes."""
    req, action = change.request, change.action
    if action in ("approve", "verbal_approve"):
        hours = (
            rt.org.reminders.task_urgent_minutes / 60 if req.urgent else rt.org.reminders.task_hours
        )
        return await Task.create(
            request_id=req.id, kind=TaskKind.PUBLISH, due_at=now + timedelta(hours=hours)
        )
    open_publish = Task.filter(
        request_id=req.id, kind=TaskKind.PUBLISH, status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]
    )
    if action == "publish":
        await open_publish.update(status=TaskStatus.DONE, done_at=now, url=url)
    elif action == "return":
        await open_publish.update(status=TaskStatus.RETURNED, done_at=now, reason=reason)
    elif action == "revoke" and change.before == Status.APPROVED:
        await open_publish.update(status=TaskStatus.CANCELLED, done_at=now, reason=reason)
    elif change.after == Status.EXPIRED:
        return await Task.create(request_id=req.id, kind=TaskKind.TAKEDOWN, due_at=now)
    elif action == "remove":
        await Task.filter(
            request_id=req.id,
            kind=TaskKind.TAKEDOWN,
            status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED],
        ).update(status=TaskStatus.DONE, done_at=now)
    return None


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


async def submit(
    rt: Runtime, request_id: int, actor_id: int, *, now: datetime | None = None
) -> Change:
    """Send a draft on: to the checker when the org turns the check step on, else the approver."""
    action = "submit_for_check" if rt.org.workflow.check_step else "submit"
    return await transition(rt, request_id, action, actor_id, now=now)


async def owner_of(request: Request) -> Person:
    return await Person.get(id=request.owner_id)
