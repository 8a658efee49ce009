"""Settling a verbal approval (announcement 2.2.1): the approver confirms it or revokes it, once.

Both write `verbal_confirmed` by a conditional update first, so of a Confirm and a Revoke
tapped at the same time only one wins; a revoke also moves the request (not published, or
due for takedown when it already is).
"""

from __future__ import annotations

from datetime import datetime

import procedure
from core.runtime import Runtime
from locales import _
from models.audit import append_event
from models.db import atomic
from models.enums import Status
from models.request import Decision, Request
from models.workflow import Change, IllegalTransition, WorkflowError


async def confirm_verbal(
    rt: Runtime, req: Request, actor_id: int, acting_for_id: int | None, now: datetime
) -> Decision:
    """The approver confirms a verbal approval afterwards; only once, only while it stands."""
    async with atomic():
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


async def revoke_verbal(
    rt: Runtime, req: Request, actor_id: int, acting_for_id: int | None, now: datetime
) -> Change:
    """The approver revokes a verbal approval: settled as revoked first, so a Confirm cannot also win."""
    async with atomic():
        if not await Request.filter(id=req.id, verbal=True, verbal_confirmed__isnull=True).update(
            verbal_confirmed=False
        ):
            raise IllegalTransition(
                _("The verbal approval of {ref} is already settled.").format(ref=req.ref)
            )
        return await procedure.transition(
            rt,
            req.id,
            "revoke",
            actor_id,
            now=now,
            acting_for_id=acting_for_id,
            reason=_("Verbal approval revoked by the approver"),
        )
