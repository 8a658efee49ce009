"""Extending a published item's end date: the owner asks, the approver decides with one tap.

The ask lives in the approvers' button tokens (their data holds the proposal id, the old and
the new end date); the decision is claimed once in the reminder table, so two approvers or
two taps cannot both decide, and the end date only moves if it is still the one asked about.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from core.events import Outgoing
from core.runtime import Runtime
from core.thaidate import format_date
from locales import _, current_locale
from models.audit import append_event
from models.db import atomic
from models.directory import deciders
from models.enums import Status
from models.messaging import ButtonToken
from models.people import Person
from models.request import Reminder, Request
from models.seal import content_seal
from models.workflow import AlreadyDecided, WorkflowError
from notices.buttons import approve_reject, new_token
from notices.cards import request_card
from notices.outbox import notify

APPROVE = "extension_approve"
REJECT = "extension_reject"
DECIDED = "extension"  # reminder kind: one decision per proposal
LONGEST = timedelta(days=3660)  # as far ahead as a category's default period may reach


class ExtensionRefused(WorkflowError):
    """An extension that cannot be asked or decided; the message says why."""


def check_new_end(req: Request, new_end: date, today: date) -> None:
    """Refuse a new end date that does not extend the item's period."""
    if req.status != Status.PUBLISHED or req.end_date is None:
        raise ExtensionRefused(
            _("{ref} is not on the website with an end date, so it cannot be extended.").format(
                ref=req.ref
            )
        )
    if new_end <= req.end_date or new_end <= today:
        raise ExtensionRefused(
            _("The new end date must be after the current one, {date}.").format(
                date=format_date(req.end_date, current_locale())
            )
        )
    if new_end > today + LONGEST:
        raise ExtensionRefused(_("That is too far ahead; choose a date within ten years."))


async def ask_extension(
    rt: Runtime, req: Request, owner: Person, new_end: date, now: datetime
) -> list[Person]:
    """Send today's approver(s) the ask with Approve and Reject; those asked. In a transaction."""
    assert req.end_date is not None
    data = {
        "proposal": new_token(),
        "end_date": new_end.isoformat(),
        "old_end_date": req.end_date.isoformat(),
        "owner_id": owner.id,
    }

    async def ask(locale: str) -> Outgoing:
        text = _(
            "{owner} asks to keep {ref} on the website until {new} (it ends on {old} now)."
        ).format(
            owner=owner.name,
            ref=req.ref,
            new=format_date(new_end, locale),
            old=format_date(req.end_date, locale),
        )
        buttons = await approve_reject(req.id, approve=APPROVE, reject=REJECT, data=data)
        card = await request_card(req, locale)
        return Outgoing(text=text, card=card, buttons=buttons, quick=False)

    asked = [
        person
        for person in await deciders(rt.org_id, rt.today(now))
        if await notify(
            person, ask, default_locale=rt.default_locale, request_id=req.id, kind="extension.ask"
        )
    ]
    if asked:
        await append_event(
            rt.org_id,
            "request.extension_asked",
            actor_id=owner.id,
            request_id=req.id,
            at=now,
            data={"ref": req.ref, "from": data["old_end_date"], "to": data["end_date"]},
        )
    return asked


async def decide_extension(
    rt: Runtime,
    token: ButtonToken,
    approver_id: int,
    approve: bool,
    now: datetime,
    *,
    acting_for_id: int | None = None,
) -> Request:
    """Approve or reject an ask once; the end date moves, the audit and the owner hear of it."""
    old_end = date.fromisoformat(token.data["old_end_date"])
    new_end = date.fromisoformat(token.data["end_date"])
    async with atomic():
        try:
            async with atomic():
                await Reminder.create(
                    kind=DECIDED, request_id=token.request_id, key=token.data["proposal"]
                )
        except IntegrityError:
            raise AlreadyDecided(_("This extension was already decided.")) from None
        req = await Request.get(id=token.request_id)
        if approve:
            changed = await Request.filter(
                id=req.id, status=Status.PUBLISHED, end_date=old_end
            ).update(end_date=new_end, version=F("version") + 1)
            if not changed:
                raise ExtensionRefused(
                    _(
                        "{ref} has changed since the extension was asked; nothing was changed."
                    ).format(ref=req.ref)
                )
        await _close_proposal(req.id, token.data["proposal"], now)
        # The end date is part of the sealed content: the new one is sealed in the chain.
        seal = await content_seal(await Request.get(id=req.id)) if approve else {}
        await append_event(
            rt.org_id,
            "request.extend" if approve else "request.extension_rejected",
            actor_id=approver_id,
            request_id=req.id,
            at=now,
            data={
                "ref": req.ref,
                "from": old_end.isoformat(),
                "to": new_end.isoformat(),
                "acting_for": acting_for_id,
                **seal,
            },
        )
        await _tell_owner(rt, req, approve, old_end, new_end)
        return await Request.get(id=req.id)


async def _close_proposal(request_id: int, proposal: str, now: datetime) -> None:
    """Mark every approver's buttons of one ask as used."""
    tokens = await ButtonToken.filter(
        request_id=request_id, action__in=[APPROVE, REJECT], used_at=None
    )
    ids = [t.token for t in tokens if t.data.get("proposal") == proposal]
    if ids:
        await ButtonToken.filter(token__in=ids).update(used_at=now)


async def _tell_owner(
    rt: Runtime, req: Request, approve: bool, old_end: date, new_end: date
) -> None:
    def told(locale: str) -> Outgoing:
        if approve:
            text = _("The approver extended {ref}: it stays on the website until {date}.").format(
                ref=req.ref, date=format_date(new_end, locale)
            )
        else:
            text = _("The approver did not extend {ref}; it leaves the website on {date}.").format(
                ref=req.ref, date=format_date(old_end, locale)
            )
        return Outgoing(text=text)

    owner = await Person.get(id=req.owner_id)
    await notify(
        owner, told, default_locale=rt.default_locale, request_id=req.id, kind="extension.owner"
    )
