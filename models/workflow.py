"""The rules of change: the transition tables of requests and tasks, and the functions that apply them.

A request moves by one action in one transaction: a conditional update on its current state
and version (so two taps or two approvers cannot both win), the decision and task rows it
implies and an audit event. Who hears of it is not decided here: `procedure.transition`
adds the notices in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from core.errors import Refusal
from core.runtime import Runtime
from core.thaidate import add_months, be_year, format_datetime
from locales import _, current_locale
from models.audit import append_event
from models.db import atomic
from models.enums import Status, TaskKind, TaskStatus
from models.messaging import OutboxMessage
from models.people import Person
from models.request import Decision, ReferenceCounter, Request, Task
from models.seal import SEALED_ACTIONS, content_seal

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
    # A published revision took its predecessor's place on the website.
    (Status.PUBLISHED, "replace"): Status.REMOVED,
    (Status.EXPIRED, "replace"): Status.REMOVED,
}

ACTIONS = frozenset(action for _status, action in TRANSITIONS)
# Actions that are a decision by a person and leave a Decision row.
DECISIONS = frozenset(
    {"approve", "reject", "pass", "send_back", "verbal_approve", "revoke", "withdraw", "return"}
)
# Actions that only make sense with a request still waiting on a decider.
DECIDING = frozenset({"approve", "reject", "pass", "send_back", "verbal_approve"})

UNFINISHED = (TaskStatus.SCHEDULED, TaskStatus.OPEN, TaskStatus.CLAIMED)
TASK_TRANSITIONS: dict[tuple[TaskStatus, str], TaskStatus] = {
    (TaskStatus.SCHEDULED, "open"): TaskStatus.OPEN,
    (TaskStatus.OPEN, "claim"): TaskStatus.CLAIMED,
    **{(status, "done"): TaskStatus.DONE for status in UNFINISHED},
    **{(status, "return"): TaskStatus.RETURNED for status in UNFINISHED},
    **{(status, "cancel"): TaskStatus.CANCELLED for status in UNFINISHED},
}

# What a request's action does to its unfinished webmaster tasks: (kind, task action).
TASK_EFFECTS: dict[tuple[Status, str], tuple[TaskKind, str]] = {
    (Status.APPROVED, "publish"): (TaskKind.PUBLISH, "done"),
    (Status.APPROVED, "return"): (TaskKind.PUBLISH, "return"),
    (Status.APPROVED, "revoke"): (TaskKind.PUBLISH, "cancel"),
    (Status.EXPIRED, "remove"): (TaskKind.TAKEDOWN, "done"),
    (Status.EXPIRED, "replace"): (TaskKind.TAKEDOWN, "done"),
}
# The state a request enters that opens a task of a kind.
TASK_OPENED_BY: dict[Status, TaskKind] = {
    Status.APPROVED: TaskKind.PUBLISH,
    Status.EXPIRED: TaskKind.TAKEDOWN,
}


class WorkflowError(Refusal):
    """A change that cannot be made; the message is for the person who asked."""


class IllegalTransition(WorkflowError):
    pass


class AlreadyDecided(WorkflowError):
    pass


class Incomplete(WorkflowError):
    pass


@dataclass(frozen=True)
class Details:
    """What a person adds to an action: how it was decided, why, the page, a verbal record."""

    how: str = "button"
    acting_for_id: int | None = None
    reason_code: str = ""
    reason: str = ""
    url: str = ""
    verbal_by: str = ""
    verbal_at: datetime | None = None
    successor: str = ""  # the reference of the revision that replaces this request


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


def task_target_of(status: TaskStatus, action: str) -> TaskStatus | None:
    return TASK_TRANSITIONS.get((TaskStatus(status), action))


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
            async with atomic():
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
        if req.status == Status.WITHDRAWN:
            return AlreadyDecided(
                _("Request {ref} was withdrawn by its owner.").format(ref=req.ref or "-")
            )
        last = (
            await Decision.filter(request_id=req.id, action__in=sorted(DECIDING))
            .order_by("-id")
            .first()
        )
        if last is not None and last.person_id is not None:
            return AlreadyDecided(
                _("Request {ref} was already decided. {decided}").format(
                    ref=req.ref or "-", decided=await decision_words(last, tz)
                )
            )
        return AlreadyDecided(_("Request {ref} was already decided.").format(ref=req.ref or "-"))
    return IllegalTransition(
        _("Request {ref} is {status}: this cannot be done now.").format(
            ref=req.ref or "-", status=status_label(req.status)
        )
    )


def _outcome(action: str) -> str:
    outcomes = {
        "approve": _("Approved"),
        "verbal_approve": _("Approved verbally"),
        "reject": _("Not approved"),
        "pass": _("Checked and passed to the approver"),
        "send_back": _("Sent back by the checker"),
        "confirm": _("Verbal approval confirmed"),
        "revoke": _("Approval revoked"),
    }
    return outcomes.get(action, action)


async def decision_words(decision: Decision, tz: tzinfo | None = None) -> str:
    """Who decided, how and when, in one sentence: on edited cards and to a late tap alike."""
    names = dict(
        await Person.filter(id__in=[decision.person_id, decision.acting_for_id]).values_list(
            "id", "name"
        )
    )
    when = decision.created_at.astimezone(tz) if tz else decision.created_at
    values = {
        "outcome": _outcome(decision.action),
        "name": names.get(decision.person_id, "-"),
        "approver": names.get(decision.acting_for_id, "-"),
        "means": decision.verbal_by or "-",
        "when": format_datetime(when, current_locale()),
    }
    if decision.action == "verbal_approve":
        return _("{outcome} ({means}), recorded by {name}, {when}.").format(**values)
    if decision.acting_for_id:
        return _(
            "{outcome} by {name}, acting for {approver}, with a tap in the chat, {when}."
        ).format(**values)
    return _("{outcome} by {name} with a tap in the chat, {when}.").format(**values)


async def still_allows(req: Request, action: str, tz: tzinfo | None = None) -> None:
    """Refuse, saying who was first, when the request's state no longer allows the action."""
    if target_of(req.status, action) is None:
        raise await refusal(req, action, tz)


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


async def change_request(
    rt: Runtime,
    request_id: int,
    action: str,
    actor_id: int | None,
    *,
    now: datetime | None = None,
    details: Details = Details(),
) -> Change:
    """Move a request by one action (rows and audit, no notices), or raise a WorkflowError."""
    now = now or datetime.now(UTC)
    async with atomic():
        req = await Request.get(id=request_id)
        before = Status(req.status)
        after = target_of(before, action)
        if after is None:
            raise await refusal(req, action, rt.tz)
        updates = await _fields_set_by(rt, req, action, before, now, details)
        changed = await Request.filter(id=req.id, status=before, version=req.version).update(
            status=after, version=F("version") + 1, **updates
        )
        if changed == 0:
            raise await refusal(await Request.get(id=request_id), action, rt.tz)
        req = await Request.get(id=request_id)
        change = Change(req, action, before, after, actor_id)
        if action in DECISIONS:
            change.decision = await _record_decision(req, action, actor_id, details)
        change.task = await _task_effects(rt, change, now, details)
        seal = await content_seal(req) if action in SEALED_ACTIONS else {}
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
                "how": details.how,
                "reason_code": details.reason_code,
                "reason": details.reason,
                "url": details.url,
                "acting_for": details.acting_for_id,
                **({"successor": details.successor} if details.successor else {}),
                **seal,
            },
        )
        return change


async def _fields_set_by(
    rt: Runtime, req: Request, action: str, before: Status, now: datetime, details: Details
) -> dict[str, Any]:
    """The request's columns an action sets besides its state."""
    updates: dict[str, Any] = {}
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
        updates.update(published_at=now, published_url=details.url)
        if req.end_date is None:
            updates["review_due"] = add_months(rt.today(now), rt.org.reminders.review_months)
    elif action in ("expire", "takedown", "revoke") and before == Status.PUBLISHED:
        updates["expired_at"] = now
    elif action in ("remove", "replace"):
        updates["removed_at"] = now
    if action == "revoke":
        updates["verbal_confirmed"] = False
    return updates


async def _record_decision(
    req: Request, action: str, actor_id: int | None, details: Details
) -> Decision:
    return await Decision.create(
        request_id=req.id,
        person_id=actor_id,
        action=action,
        how=details.how,
        acting_for_id=details.acting_for_id,
        reason_code=details.reason_code,
        reason=details.reason,
        verbal_by=details.verbal_by,
        verbal_at=details.verbal_at,
    )


async def _task_effects(
    rt: Runtime, change: Change, now: datetime, details: Details
) -> Task | None:
    """Settle the tasks the action finishes (TASK_EFFECTS), and open the one its new state needs."""
    req = change.request
    effect = TASK_EFFECTS.get((change.before, change.action))
    if effect is not None:
        kind, task_action = effect
        fields: dict[str, Any] = {"done_at": now}
        if task_action == "done" and kind == TaskKind.PUBLISH:
            fields["url"] = details.url
        elif task_action in ("return", "cancel"):
            fields["reason"] = details.reason
        await change_tasks(Task.filter(request_id=req.id, kind=kind), task_action, **fields)
    kind = TASK_OPENED_BY.get(change.after)
    if kind is None:
        return None
    if kind == TaskKind.TAKEDOWN:
        return await Task.create(request_id=req.id, kind=kind, due_at=now)
    reminders = rt.org.reminders
    lead = timedelta(
        hours=reminders.task_urgent_minutes / 60 if req.urgent else reminders.task_hours
    )
    if publishes_later(rt, req, now):
        # The webmasters' task on the publish date, chased from then (scheduler: open-tasks).
        return await Task.create(
            request_id=req.id,
            kind=kind,
            status=TaskStatus.SCHEDULED,
            due_at=rt.day_start(req.publish_date) + lead,
        )
    return await Task.create(request_id=req.id, kind=kind, due_at=now + lead)


def publishes_later(rt: Runtime, req: Request, now: datetime) -> bool:
    """Approved for a later publish date (an urgent request is published at once, whatever its date)."""
    return not req.urgent and req.publish_date is not None and req.publish_date > rt.today(now)


async def change_tasks(tasks: Any, action: str, **fields: Any) -> int:
    """Apply a task action (TASK_TRANSITIONS) to the tasks of a query still in a state it allows.

    A conditional update, so of two webmasters tapping Claim only one changes the row; returns
    how many tasks changed.
    """
    changed = 0
    targets: dict[TaskStatus, list[TaskStatus]] = {}
    for (source, verb), target in TASK_TRANSITIONS.items():
        if verb == action:
            targets.setdefault(target, []).append(source)
    for target, sources in targets.items():
        changed += await tasks.filter(status__in=sources).update(
            status=target, version=F("version") + 1, **fields
        )
    return changed
