"""Decisions beside the transitions: hand-over to someone else, comments, who may hand over."""

from __future__ import annotations

from datetime import datetime

from core.errors import Refusal
from core.events import Outgoing
from core.runtime import Runtime
from locales import _
from models.audit import append_event
from models.db import atomic
from models.directory import deciders, deciders_of, may_decide, roles_of
from models.enums import Role, Status
from models.people import Person
from models.request import Decision, Request
from models.workflow import IllegalTransition, status_label
from notices.buttons import approve_reject
from notices.cards import request_card
from notices.outbox import notify


async def add_comment(
    rt: Runtime, decision_id: int, actor_id: int, text: str, now: datetime
) -> None:
    """An approver's comment on their approval, recorded on the decision and in the audit."""
    decision = await Decision.get(id=decision_id)
    await Decision.filter(id=decision_id).update(reason=text)
    await append_event(
        rt.org_id,
        "request.comment",
        actor_id=actor_id,
        request_id=decision.request_id,
        at=now,
        data={"decision": decision_id, "comment": text},
    )


async def reassign(rt: Runtime, req: Request, actor: Person, target: Person, now: datetime) -> None:
    """Hand a pending decision to another person; they get the card, the approvers are told."""
    if target.id == req.owner_id:
        raise IllegalTransition(_("The owner of a request cannot decide it."))
    if target.org_id != rt.org_id or not target.active:
        raise IllegalTransition(_("{name} cannot decide requests.").format(name=target.name))
    async with atomic():
        changed = await Request.filter(id=req.id, status=Status.PENDING).update(
            assignee_id=target.id
        )
        if not changed:
            raise IllegalTransition(
                _("{ref} is no longer waiting for a decision.").format(ref=req.ref)
            )
        await Decision.create(
            request_id=req.id, person_id=actor.id, action="reassign", reason=target.name
        )
        await append_event(
            rt.org_id,
            "request.reassign",
            actor_id=actor.id,
            request_id=req.id,
            at=now,
            data={"ref": req.ref, "to": target.id},
        )
        await _send_card(rt, req, target, actor)
        for person in await deciders_of(rt.org_id, rt.today(now), req.owner_id):
            if person.id not in (actor.id, target.id):
                await _tell(rt, person, req, actor, target)


async def _send_card(rt: Runtime, req: Request, target: Person, actor: Person) -> None:
    async def card(locale: str) -> Outgoing:
        return Outgoing(
            text=_("{name} handed request {ref} to you for a decision: {title}").format(
                name=actor.name, ref=req.ref, title=req.title
            ),
            card=await request_card(req, locale),
            buttons=await approve_reject(req.id),
            quick=False,
        )

    await notify(
        target, card, default_locale=rt.default_locale, request_id=req.id, kind="reassign.assignee"
    )


async def _tell(rt: Runtime, person: Person, req: Request, actor: Person, target: Person) -> None:
    def told(locale: str) -> Outgoing:
        return Outgoing(
            text=_("{name} handed request {ref} to {target} for a decision.").format(
                name=actor.name, ref=req.ref, target=target.name
            )
        )

    await notify(
        person, told, default_locale=rt.default_locale, request_id=req.id, kind="reassign.approver"
    )


async def tell_original_approvers(
    rt: Runtime, req: Request, actor: Person, outcome: Status, now: datetime
) -> None:
    """After a handed-over decision, the approvers of the day hear how it went."""

    def told(locale: str) -> Outgoing:
        return Outgoing(
            text=_("{name} decided request {ref}: {outcome}").format(
                name=actor.name, ref=req.ref, outcome=status_label(outcome)
            )
        )

    for person in await deciders(rt.org_id, rt.today(now)):
        if person.id != actor.id:
            await notify(
                person,
                told,
                default_locale=rt.default_locale,
                request_id=req.id,
                kind="decided.approver",
            )


async def may_hand_over(person_id: int, rt: Runtime, now: datetime) -> bool:
    """Admins and whoever may decide today may hand a decision over."""
    if Role.ADMIN in await roles_of(person_id):
        return True
    allowed, _acting = await may_decide(rt, person_id, now)
    return allowed


async def verbal_approver(rt: Runtime, req: Request, recorder_id: int, now: datetime) -> Person:
    """The approver named in a verbal approval: a decider of the day who is neither the
    request's owner nor the person recording it; a Refusal when there is none."""
    for person in await deciders_of(rt.org_id, rt.today(now), req.owner_id):
        if person.id != recorder_id:
            return person
    raise Refusal(
        _(
            "A verbal approval needs an approver other than the owner of {ref} and the person "
            "recording it. Please ask the administrator to name an acting approver."
        ).format(ref=req.ref)
    )
