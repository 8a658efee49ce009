"""Revise: the owner of a rejected or returned request gets a copy to edit and submit again.

[Revise] ──► a draft copy (revision_of, revision_no + 1, the files too) ──► the submission
             flow's summary card ──[Edit]…[Submit]──► certify ──► pending, approval again
"""

from __future__ import annotations

from core.errors import Refusal
from handlers import submit
from handlers.base import Context
from handlers.common import token_request
from handlers.routing import Router
from locales import _
from models.enums import Status
from models.messaging import ButtonToken, Dialog
from models.request import Request
from models.revision import start_revision

REVISABLE = (Status.REJECTED, Status.RETURNED)


router = Router("revise")

@router.button("revise")
async def revise(ctx: Context, token: ButtonToken) -> None:
    """Start (or reopen) the revision of the owner's request."""
    req = await token_request(token)
    if ctx.person is None or req.owner_id != ctx.person.id:
        raise Refusal(_("Only the owner of {ref} can revise it.").format(ref=req.ref))
    if req.status not in REVISABLE:
        raise Refusal(_("{ref} cannot be revised now.").format(ref=req.ref))
    newer = await Request.filter(revision_of_id=req.id, ref__isnull=False).first()
    if newer is not None:
        raise Refusal(
            _("{ref} was already revised as {new}.").format(ref=req.ref, new=newer.ref)
        )
    await open_revision(ctx, await start_revision(req.id))


async def open_revision(ctx: Context, draft: Request) -> None:
    """Put the draft in front of its owner as the submission flow's summary card."""
    assert ctx.person is not None
    original = await Request.get(id=draft.revision_of_id)
    await Dialog.filter(person_id=ctx.person.id).delete()
    dialog = await Dialog.create(
        person_id=ctx.person.id,
        flow=submit.FLOW,
        step="",
        request_id=draft.id,
        data={"asked": 0},
    )
    ctx.reply(
        _(
            "Revision {n} of {ref}: a copy with the same details and files. Tap Edit to change "
            "what is needed, then Submit; it goes to the approver again."
        ).format(n=draft.revision_no, ref=original.ref)
    )
    await submit._ask(ctx, dialog, draft, submit.REVIEW)

