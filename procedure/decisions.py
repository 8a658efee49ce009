"""Decisions beside the transitions: verbal confirmation, hand-over, comments, who may decide."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from core.errors import Refusal
from core.events import Outgoing
from core.runtime import Runtime
from locales import _, using_locale
from models.audit import append_event
from models.directory import deciders, deciders_of, may_decide, roles_of
from models.enums import Role, Status
from models.people import Person
from models.request import Decision, Request
from models.workflow import IllegalTransition, WorkflowError, status_label
from notices.buttons import button
from notices.cards import request_card
from notices.outbox import enqueue_push, locale_of


async def decider_for(
    rt: Runtime, person_id: int, req: Request, now: datetime
) -> tuple[bool, int | None]:
    """Whether a person may decide this request, and for whom they act when not the approver.

    Nobody decides their own request, nor one of another organization.
    """
    if req.owner_id == person_id or req.org_id != rt.org_id:
        return False, None
    allowed, acting_for = await may_decide(rt.org_id, person_id, rt.today(now))
    if allowed:
        return True, acting_for
    if req.assignee_id == person_id and await Person.filter(id=person_id, active=True).exists():
        day_deciders = await deciders(rt.org_id, rt.today(now))
        return True, next((p.id for p in day_deciders if p.id != person_id), None)
    return False, None


async def confirm_verbal(
    rt: Runtime, req: Request, actor_id: int, acting_for_id: int | None, now: datetime
) -> Decision:
    """The approver confirms a verbal approval afterwards; only once, only while it stands."""
    async with in_transaction():
        changed = await Request.filter(
            id=req.id,
            verbal=True,
            verbal_confirmed__isnull=True,
            status__in=[Status.APPROVED, Status.PUBLISHED],
        ).update(verbal_confirmed=True)
        if not changed:
            raise await _verbal_refusal(req.id)
        decision = await Decision.create(
            request_id=req.id, person_id=actor_id, action="confirm", acting_for_id=acting_for_id
        )
        await append_event(
            rt.org_id,
            "request.confirm",
            actor_id=actor_id,
            request_id=req.id,
            at=now,
            data={"ref": req.ref, "acting_for": acting_for_id},
        )
    return decision


async def _verbal_refusal(request_id: int) -> WorkflowError:
    req = await Request.get(id=request_id)
    if req.verbal_confirmed:
        return IllegalTransition(
            _("The verbal approval of {ref} is already confirmed.").format(ref=req.ref)
        )
    if req.verbal and req.verbal_confirmed is False:
        return IllegalTransition(_("The verbal approval of {ref} was revoked.").format(ref=req.ref))
    return IllegalTransition(_("{ref} has no verbal approval to confirm.").format(ref=req.ref))


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
    async with in_transaction():
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
    with using_locale(locale := await locale_of(target, rt.default_locale)):
        text = _("{name} handed request {ref} to you for a decision: {title}").format(
            name=actor.name, ref=req.ref, title=req.title
        )
        buttons = (
            await button(_("Approve"), "approve", request_id=req.id, style="primary"),
            await button(_("Reject"), "reject", request_id=req.id, style="danger"),
        )
        card = await request_card(req, locale)
        message = Outgoing(text=text, card=card, buttons=buttons, quick=False)
        await enqueue_push(target, message, request_id=req.id, kind="reassign.assignee")


async def _tell(rt: Runtime, person: Person, req: Request, actor: Person, target: Person) -> None:
    with using_locale(await locale_of(person, rt.default_locale)):
        text = _("{name} handed request {ref} to {target} for a decision.").format(
            name=actor.name, ref=req.ref, target=target.name
        )
        await enqueue_push(person, Outgoing(text=text), request_id=req.id, kind="reassign.approver")


async def tell_original_approvers(
    rt: Runtime, req: Request, actor: Person, outcome: Status, now: datetime
) -> None:
    """After a handed-over decision, the approvers of the day hear how it went."""
    for person in await deciders_of(rt.org_id, rt.today(now), req.owner_id):
        if person.id == actor.id:
            continue
        with using_locale(await locale_of(person, rt.default_locale)):
            text = _("{name} decided request {ref}: {outcome}").format(
                name=actor.name, ref=req.ref, outcome=status_label(outcome)
            )
            await enqueue_push(
                person, Outgoing(text=text), request_id=req.id, kind="decided.approver"
            )


async def may_hand_over(person_id: int, rt: Runtime, now: datetime) -> bool:
    """Admins and whoever may decide today may hand a decision over."""
    if Role.ADMIN in await roles_of(person_id):
        return True
    allowed, _acting = await may_decide(rt.org_id, person_id, rt.today(now))
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
