"""The inbox and outbox as an operator sees them: what waits and why, and putting rows back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models.db import atomic
from models.enums import InboxStatus, OutboxStatus
from models.messaging import InboxEvent, OutboxMessage

WAITING = "waiting"  # not a status: every row not finished (pending and sending, or received)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


async def outbox_rows(status: str, limit: int = 200) -> list[dict[str, Any]]:
    """Outbox messages in one state (or all `waiting`), newest first."""
    statuses = (
        [OutboxStatus.PENDING, OutboxStatus.SENDING]
        if status == WAITING
        else [OutboxStatus(status)]
    )
    rows = await OutboxMessage.filter(status__in=statuses).order_by("-id").limit(limit)
    return [
        {
            "id": r.id,
            "status": r.status.value,
            "channel": r.channel.value,
            "chat_id": r.chat_id,
            "kind": r.kind,
            "attempts": r.attempts,
            "next_attempt_at": _iso(r.next_attempt_at),
            "give_up_at": _iso(r.give_up_at),
            "maybe_sent": r.maybe_sent,
            "last_error": r.last_error[:120],
            "text": (r.payload or {}).get("text", "")[:200],
            "created_at": _iso(r.created_at),
        }
        for r in rows
    ]


async def inbox_rows(status: str, limit: int = 200) -> list[dict[str, Any]]:
    """Inbox events in one state (or `waiting`: received, not handled yet), newest first."""
    wanted = InboxStatus.RECEIVED if status == WAITING else InboxStatus(status)
    rows = await InboxEvent.filter(status=wanted).order_by("-id").limit(limit)
    return [
        {
            "id": r.id,
            "status": r.status.value,
            "channel": r.channel.value,
            "event_id": r.event_id,
            "attempts": r.attempts,
            "next_attempt_at": _iso(r.next_attempt_at),
            "error": r.error[:160],
            "received_at": _iso(r.received_at),
        }
        for r in rows
    ]


async def retry_outbox(*, dead: bool, ids: list[int]) -> int:
    """Put dead messages (all, or those named) back in the queue, with a fresh retry window."""
    async with atomic():
        query = OutboxMessage.filter(status=OutboxStatus.DEAD)
        if ids:
            query = OutboxMessage.filter(
                id__in=ids, status__in=[OutboxStatus.DEAD, OutboxStatus.PENDING]
            )
        elif not dead:
            return 0
        # A reply token is long spent by now: it goes out as a push. A LINE push keeps its
        # retry key, so a message that did arrive is not delivered twice.
        return await query.update(
            status=OutboxStatus.PENDING,
            failures=0,
            give_up_at=None,
            next_attempt_at=None,
            died_at=None,
            reported_at=None,
            reply_token=None,
        )


async def retry_inbox(*, failed: bool, ids: list[int]) -> int:
    """Put failed events (all, or those named) back to be handled again."""
    async with atomic():
        if ids:
            query = InboxEvent.filter(
                id__in=ids, status__in=[InboxStatus.FAILED, InboxStatus.RECEIVED]
            )
        elif failed:
            query = InboxEvent.filter(status=InboxStatus.FAILED)
        else:
            return 0
        return await query.update(status=InboxStatus.RECEIVED, next_attempt_at=None)


async def drop_outbox(ids: list[int]) -> int:
    """Give up on messages for good (dead or waiting): they are then pruned like sent ones."""
    return await OutboxMessage.filter(
        id__in=ids, status__in=[OutboxStatus.DEAD, OutboxStatus.PENDING]
    ).update(status=OutboxStatus.CANCELLED, last_error="dropped by an operator")


async def drop_inbox(ids: list[int]) -> int:
    """Give up on events for good: they are then pruned like handled ones."""
    return await InboxEvent.filter(
        id__in=ids, status__in=[InboxStatus.FAILED, InboxStatus.RECEIVED]
    ).update(status=InboxStatus.DROPPED)
