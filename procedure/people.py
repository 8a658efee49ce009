"""People and roles: deactivating, reactivating, changing roles; what a departure hands on.

A deactivated person's claimed tasks open again for the other webmasters, the decisions
handed to them and the requests only they could decide go to whoever decides now (the acting
approver, another approver), and the admins hear what happened. Every change is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.errors import Refusal
from core.events import Outgoing
from core.runtime import Runtime
from locales import _
from models.audit import append_event
from models.db import atomic
from models.directory import deciders_of, people_with_role
from models.enums import Role, Status, TaskKind, TaskStatus
from models.messaging import Dialog, OutboxMessage
from models.people import Delegation, Person, RoleAssignment
from models.request import Request, Task
from notices.buttons import approve_reject, button
from notices.cards import request_card
from notices.outbox import notify

# Outbox kinds of the messages that carry a request's Approve button to someone.
DECISION_CARDS = ("submit.deciders", "pass.deciders", "reassign.assignee", "handover.decider")


@dataclass
class HandOver:
    """What a departure (or a lost role) handed on, for the admins and the operator."""

    tasks: list[str] = field(default_factory=list)  # request refs whose tasks opened again
    decisions: list[str] = field(default_factory=list)  # refs whose cards went to others
    stuck: list[str] = field(default_factory=list)  # refs that nobody may decide now


class PersonNotFound(Refusal):
    """No person, or several, answer to the given name or id."""


async def find_person_any(org_id: int, name_or_id: str) -> Person:
    """The person of this org with this id, or whose name is, or else contains, the text."""
    wanted = " ".join(name_or_id.split())
    if wanted.isdigit():
        person = await Person.get_or_none(id=int(wanted), org_id=org_id)
        if person is not None:
            return person
    people = await Person.filter(org_id=org_id, name=wanted) if wanted else []
    if not people and wanted:
        people = await Person.filter(org_id=org_id, name__icontains=wanted)
    if len(people) == 1:
        return people[0]
    if not people:
        raise PersonNotFound(_("Nobody enrolled is called {name}.").format(name=wanted or "-"))
    raise PersonNotFound(
        _("Several people match {name}: {names}. Please give the full name.").format(
            name=wanted, names=", ".join(f"{p.name} ({p.id})" for p in people[:6])
        )
    )


async def deactivate(rt: Runtime, person: Person, actor_id: int | None, now: datetime) -> HandOver:
    """Stop a person acting: their taps and commands are refused, their work is handed on."""
    async with atomic():
        changed = await Person.filter(id=person.id, org_id=rt.org_id, active=True).update(
            active=False
        )
        if not changed:
            raise Refusal(_("{name} is already deactivated.").format(name=person.name))
        await Dialog.filter(person_id=person.id).delete()
        await Delegation.filter(acting_id=person.id, revoked=False).update(revoked=True)
        handed = await _hand_on(rt, person, {Role.WEBMASTER, Role.APPROVER}, now)
        await append_event(
            rt.org_id,
            "person.deactivate",
            actor_id=actor_id,
            at=now,
            data={"person": person.id, "name": person.name, **_summary(handed)},
        )
        await _tell_admins(rt, person, actor_id, handed, deactivated=True)
    return handed


async def activate(rt: Runtime, person: Person, actor_id: int | None, now: datetime) -> None:
    """Let a deactivated person act again, with the roles they had."""
    async with atomic():
        changed = await Person.filter(id=person.id, org_id=rt.org_id, active=False).update(
            active=True
        )
        if not changed:
            raise Refusal(_("{name} is already active.").format(name=person.name))
        await append_event(
            rt.org_id,
            "person.activate",
            actor_id=actor_id,
            at=now,
            data={"person": person.id, "name": person.name},
        )


async def change_roles(
    rt: Runtime,
    person: Person,
    add: set[Role],
    remove: set[Role],
    actor_id: int | None,
    now: datetime,
) -> HandOver:
    """Give and take roles (staff is everyone's); work of a role taken away is handed on."""
    if Role.STAFF in remove:
        raise Refusal(_("Everyone is staff; deactivate the person instead."))
    if person.org_id != rt.org_id:
        raise PersonNotFound(_("Nobody enrolled is called {name}.").format(name=person.name))
    add, remove = add - {Role.STAFF} - remove, remove - add
    async with atomic():
        held = await RoleAssignment.filter(person_id=person.id).values_list("role", flat=True)
        before = {Role(r) for r in held} | {Role.STAFF}
        for role in add:
            await RoleAssignment.get_or_create(person_id=person.id, role=role)
        await RoleAssignment.filter(person_id=person.id, role__in=list(remove)).delete()
        lost = remove & before
        handed = await _hand_on(rt, person, lost, now) if person.active else HandOver()
        await append_event(
            rt.org_id,
            "person.roles",
            actor_id=actor_id,
            at=now,
            data={
                "person": person.id,
                "added": sorted(r.value for r in add - before),
                "removed": sorted(r.value for r in lost),
                **_summary(handed),
            },
        )
        if lost and (handed.tasks or handed.decisions or handed.stuck):
            await _tell_admins(rt, person, actor_id, handed, deactivated=False)
    return handed


def _summary(handed: HandOver) -> dict:
    return {"tasks": handed.tasks, "decisions": handed.decisions, "stuck": handed.stuck}


async def _hand_on(rt: Runtime, person: Person, roles: set[Role], now: datetime) -> HandOver:
    """Open the person's claimed tasks again and send their pending decisions on."""
    handed = HandOver()
    if Role.WEBMASTER in roles:
        await _reopen_tasks(rt, person, handed)
    await _send_decisions_on(rt, person, now, handed, as_approver=Role.APPROVER in roles)
    return handed


async def _reopen_tasks(rt: Runtime, person: Person, handed: HandOver) -> None:
    tasks = await Task.filter(
        claimed_by_id=person.id, status=TaskStatus.CLAIMED, request__org_id=rt.org_id
    ).prefetch_related("request")
    for task in tasks:
        if not await Task.filter(id=task.id, status=TaskStatus.CLAIMED).update(
            status=TaskStatus.OPEN, claimed_by_id=None, claimed_at=None
        ):
            continue
        handed.tasks.append(task.request.ref)
        for webmaster in await people_with_role(rt.org_id, Role.WEBMASTER):
            if webmaster.id != person.id:
                await _task_again(rt, webmaster, person, task)


async def _task_again(rt: Runtime, webmaster: Person, gone: Person, task: Task) -> None:
    req = task.request

    async def build(locale: str) -> Outgoing:
        if task.kind == TaskKind.TAKEDOWN:
            label, action = _("Taken down"), "taken_down"
        else:
            label, action = _("Claim"), "claim"
        text = _("{name} can no longer do the task for {ref}; it is open again: {title}").format(
            name=gone.name, ref=req.ref, title=req.title
        )
        claim = await button(label, action, request_id=req.id, task_id=task.id, style="primary")
        card = await request_card(req, locale)
        return Outgoing(text=text, card=card, buttons=(claim,), quick=False)

    await notify(
        webmaster, build, default_locale=rt.default_locale, request_id=req.id, kind="handover.task"
    )


async def _send_decisions_on(
    rt: Runtime, person: Person, now: datetime, handed: HandOver, *, as_approver: bool
) -> None:
    """Requests handed to the person, and (for an approver) every pending one, go to whoever
    decides now and has no card for them yet."""
    assigned = Request.filter(org_id=rt.org_id, status=Status.PENDING, assignee_id=person.id)
    assigned_ids = list(await assigned.values_list("id", flat=True))
    await Request.filter(id__in=assigned_ids).update(assignee_id=None)
    query = Request.filter(org_id=rt.org_id, status=Status.PENDING)
    if not as_approver:
        query = query.filter(id__in=assigned_ids)
    for req in await query.order_by("id"):
        if req.assignee_id:
            continue  # handed to someone else, who still has it
        deciders = [
            p
            for p in await deciders_of(rt.org_id, rt.today(now), req.owner_id)
            if p.id != person.id
        ]
        if not deciders:
            handed.stuck.append(req.ref)
            continue
        sent = False
        for decider in deciders:
            if not await _has_card(req, decider):
                await _decision_again(rt, decider, person, req)
                sent = True
        if sent:
            handed.decisions.append(req.ref)


async def _has_card(req: Request, person: Person) -> bool:
    return await OutboxMessage.filter(
        request_id=req.id, person_id=person.id, kind__in=DECISION_CARDS
    ).exists()


async def _decision_again(rt: Runtime, decider: Person, gone: Person, req: Request) -> None:
    async def build(locale: str) -> Outgoing:
        text = _("{name} can no longer decide; request {ref} waits for your decision: {title}")
        card = await request_card(req, locale)
        return Outgoing(
            text=text.format(name=gone.name, ref=req.ref, title=req.title),
            card=card,
            buttons=await approve_reject(req.id),
            quick=False,
        )

    await notify(
        decider, build, default_locale=rt.default_locale, request_id=req.id, kind="handover.decider"
    )


async def _tell_admins(
    rt: Runtime, person: Person, actor_id: int | None, handed: HandOver, *, deactivated: bool
) -> None:
    for admin in await people_with_role(rt.org_id, Role.ADMIN):
        if admin.id in (actor_id, person.id):
            continue

        def build(_locale: str, admin=admin) -> Outgoing:
            lines = [
                _("{name} was deactivated.").format(name=person.name)
                if deactivated
                else _("{name}'s roles were changed.").format(name=person.name)
            ]
            if handed.tasks:
                lines.append(
                    _("Tasks open again for the other webmasters: {refs}").format(
                        refs=", ".join(handed.tasks)
                    )
                )
            if handed.decisions:
                lines.append(
                    _("Decisions sent on to the approver of the day: {refs}").format(
                        refs=", ".join(handed.decisions)
                    )
                )
            if handed.stuck:
                lines.append(
                    _(
                        "Nobody may decide these now: {refs}. Please give someone the approver "
                        "role or name an acting approver (/delegate)."
                    ).format(refs=", ".join(handed.stuck))
                )
            return Outgoing(text="\n".join(lines))

        await notify(admin, build, default_locale=rt.default_locale, kind="person.handover")
