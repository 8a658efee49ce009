"""Verbal approvals chased (announcement 2.2.1): an urgent item approved by word of mouth is
published at once, and the approver must confirm it afterwards. Unconfirmed, the approver is
asked again after the org's lead time in working hours, then the admins are told."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.events import Outgoing
from core.runtime import Runtime
from locales import _
from models.directory import deciders, people_with_role
from models.enums import Role, Status
from models.request import Request
from notices.buttons import button
from scheduler.base import Batches, Due, Recipient, send_batches, tag, working_time
from scheduler.escalation import reminder_round
from scheduler.wording import BUTTON_ITEMS, duration, item_line, section, short_ref

CONFIRM = "verbal-confirm"
ESCALATE = "verbal-escalate"


async def chase_verbal_approvals(rt: Runtime, now: datetime) -> int:
    """Ask the approver to confirm verbal approvals left unconfirmed; tell the admins later."""
    waiting = await Request.filter(
        org_id=rt.org_id,
        verbal=True,
        verbal_confirmed=None,
        status__in=[Status.APPROVED, Status.PUBLISHED],
    ).order_by("id")
    if not waiting:
        return 0
    reminders = rt.org.reminders
    lead = timedelta(hours=reminders.verbal_confirm_hours)
    escalate_after = timedelta(hours=reminders.verbal_escalate_hours)
    approvers = await deciders(rt.org_id, rt.today(now))
    admins = await people_with_role(rt.org_id, Role.ADMIN)
    ask, escalate = Batches(), Batches()
    for req in waiting:
        waited = working_time(rt, req.decided_at or req.created_at, now)
        due = reminder_round(waited, lead)
        if due is None:
            continue
        for person in approvers:
            ask.add(person, Due(req.id, f"{due}:{tag(person)}", (req, waited)))
        if waited >= escalate_after:
            for person in admins:
                escalate.add(person, Due(req.id, tag(person), (req, waited)))
    sent = await send_batches(rt, CONFIRM, ask, _ask_message)
    return sent + await send_batches(rt, ESCALATE, escalate, _escalation_message)


def _lines(items: list[Due]) -> list[str]:
    return [
        item_line(req, _("unconfirmed for {time} of working hours").format(time=duration(waited)))
        for req, waited in (d.subject for d in items)
    ]


async def _ask_message(person: Recipient, items: list[Due], locale: str) -> Outgoing:
    text = section(_("Verbal approvals waiting for your confirmation"), _lines(items))
    text += "\n" + _("They are on the website already: tap Confirm, or Revoke to take one down.")
    buttons = []
    for req, _waited in [d.subject for d in items][:BUTTON_ITEMS]:
        suffix = f" {short_ref(req.ref)}" if len(items) > 1 else ""
        buttons.append(
            await button(_("Confirm") + suffix, "confirm", request_id=req.id, style="primary")
        )
        buttons.append(
            await button(_("Revoke") + suffix, "revoke", request_id=req.id, style="danger")
        )
    return Outgoing(text=text, buttons=tuple(buttons))


async def _escalation_message(person: Recipient, items: list[Due], locale: str) -> Outgoing:
    text = section(_("Verbal approvals the approver has not confirmed"), _lines(items))
    text += "\n" + _("Please remind the approver, or name an acting approver with /delegate.")
    return Outgoing(text=text)
