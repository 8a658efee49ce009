"""Keeping the records honest and lean: the daily audit checkpoint, retention pruning."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tortoise.queryset import QuerySet

from core.events import Outgoing
from core.runtime import Runtime
from core.thaidate import format_date
from locales import _
from models.audit import chain_head
from models.directory import people_with_role
from models.enums import InboxStatus, OutboxStatus, Role
from models.messaging import InboxEvent, OutboxMessage
from models.request import Reminder
from scheduler.base import Batches, Due, Recipient, day_start, send_batches, tag

CHECKPOINT = "audit"
PRUNE_BATCH = 5000  # rows per DELETE: short write locks, so the bot keeps answering meanwhile
# Reminders that belong to no request and only guard their own day or month.
DATED_KINDS = ("digest", "completeness", CHECKPOINT)


async def audit_checkpoint(rt: Runtime, now: datetime) -> int:
    """Send the admins today's head of the audit chain, to keep outside the database."""
    today = rt.today(now)
    if now < day_start(rt, today):
        return 0
    admins = await people_with_role(rt.org_id, Role.ADMIN)
    seq, digest = await chain_head(rt.org_id)
    batches = Batches()
    for person in admins:
        batches.add(person, Due(None, f"{today.isoformat()}:{tag(person)}"))

    async def render(person: Recipient, items: list[Due], locale: str) -> Outgoing:
        text = _(
            "Audit checkpoint {date}: event {seq}, hash {hash}. Keep this message; "
            "`webpub audit verify --expect-head {seq}:{hash}` shows whether the chain still "
            "leads here."
        ).format(date=format_date(today, locale), seq=seq, hash=digest)
        return Outgoing(text=text)

    return await send_batches(rt, CHECKPOINT, batches, render)


async def _delete_in_batches(query_ids: Callable[[], QuerySet]) -> int:
    """Delete what a query finds, a batch at a time."""
    deleted = 0
    while True:
        ids = await query_ids().limit(PRUNE_BATCH).values_list("id", flat=True)
        if not ids:
            return deleted
        deleted += await query_ids().model.filter(id__in=list(ids)).delete()


async def prune_retention(rt: Runtime, now: datetime) -> int:
    """Delete webhook events and delivered messages past the retention period.

    The Computer Crime Act B.E. 2560 asks for traffic data to be kept at least 90 days, which
    is the smallest retention the org file accepts. Audit events are never pruned.
    """
    cutoff = now - timedelta(days=rt.org.reminders.retention_days)
    # Failed events and dead messages stay until replayed or dropped by an operator.
    deleted = await _delete_in_batches(
        lambda: InboxEvent.filter(
            received_at__lt=cutoff, status__in=[InboxStatus.DONE, InboxStatus.DROPPED]
        ).order_by("id")
    )
    deleted += await _delete_in_batches(
        lambda: OutboxMessage.filter(
            status__in=[OutboxStatus.SENT, OutboxStatus.CANCELLED], created_at__lt=cutoff
        ).order_by("id")
    )
    deleted += await _delete_in_batches(
        # Their keys start with the day or month they guard (`2027-01-05:p3`, `2027-01:p3`).
        lambda: Reminder.filter(
            request_id=None, kind__in=DATED_KINDS, key__lt=rt.today(cutoff).isoformat()
        ).order_by("id")
    )
    return deleted
