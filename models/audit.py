"""The append-only, hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.models import Model

from models.db import atomic, before_commit, run_queued

GENESIS = "0" * 64


class AuditHead(Model):
    """The tip of the chain per organization, updating it first serializes appends."""

    org = fields.OneToOneField("models.Organization", related_name="audit_head", primary_key=True)
    seq = fields.BigIntField(default=0)
    hash = fields.CharField(max_length=64, default=GENESIS)

    class Meta:
        table = "audit_head"


class AuditEvent(Model):
    id = fields.BigIntField(primary_key=True)
    org = fields.ForeignKeyField("models.Organization", related_name="audit_events")
    seq = fields.BigIntField()
    at = fields.DatetimeField()
    actor_id = fields.IntField(null=True)
    request_id = fields.IntField(null=True)
    kind = fields.CharField(max_length=40)
    data = fields.JSONField(default=dict)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_event"
        unique_together = (("org", "seq"),)


def canonical(
    seq: int, at: datetime, actor_id: int | None, request_id: int | None, kind: str, data: dict
) -> str:
    """The exact text that is hashed for an event."""
    return json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_id,
            "request": request_id,
            "kind": kind,
            "data": data,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


def chain_hash(prev_hash: str, text: str) -> str:
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


async def append_event(
    org_id: int,
    kind: str,
    *,
    actor_id: int | None = None,
    request_id: int | None = None,
    data: dict | None = None,
    at: datetime | None = None,
) -> None:
    """Append one event; call inside the unit of work (`models.db.atomic`) that makes the
    change it records.

    The event is chained as that unit commits, with the unit's other events: the chain's head
    is one row every append of the organization must lock, and locking it only for the
    commit keeps appends of concurrent transactions (other instances) from waiting on each
    other's whole work.
    """
    # Normalise through JSON so what is hashed is what the database gives back.
    data = json.loads(json.dumps(data or {}, ensure_ascii=False, default=str))
    event = AuditEvent(
        org_id=org_id,
        at=at or datetime.now(UTC),
        actor_id=actor_id,
        request_id=request_id,
        kind=kind,
        data=data,
    )  # its place in the chain (seq, prev_hash, hash) is given as the unit of work commits
    if not before_commit(_chain, event):
        async with atomic():
            before_commit(_chain, event)


async def settle_appends() -> None:
    """Chain the events the open unit of work has appended so far: a read of the chain in the
    same transaction then sees them."""
    await run_queued()


async def _chain(events: list[AuditEvent]) -> None:
    """Link events to the end of their organizations' chains, in order; inside the transaction."""
    by_org: dict[int, list[AuditEvent]] = {}
    for event in events:
        by_org.setdefault(event.org_id, []).append(event)
    for org_id, appended in by_org.items():
        n = len(appended)
        if not await AuditHead.filter(org_id=org_id).update(seq=F("seq") + n):
            await _create_head(org_id)
            await AuditHead.filter(org_id=org_id).update(seq=F("seq") + n)
        head = await AuditHead.get(org_id=org_id)
        seq, prev = head.seq - n, head.hash
        for event in appended:
            seq += 1
            text = canonical(
                seq, event.at, event.actor_id, event.request_id, event.kind, event.data
            )
            event.seq, event.prev_hash, event.hash = seq, prev, chain_hash(prev, text)
            prev = event.hash
        await AuditEvent.bulk_create(appended)
        await AuditHead.filter(org_id=org_id).update(hash=prev)


async def _create_head(org_id: int) -> None:
    """The head of a new chain; when first appends race, one creates it, the others wait."""
    try:
        async with atomic():
            await AuditHead.create(org_id=org_id)
    except IntegrityError:
        pass  # a concurrent first append created it; ours waited for its commit to see it


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    broken_seq: int | None = None
    problem: str = ""


async def verify_chain(org_id: int, batch: int = 5000) -> VerifyResult:
    """Walk the chain from the start, report the first event whose hash or link is wrong."""
    await settle_appends()  # this transaction's own appends are read too
    prev = GENESIS
    expected_seq = 1
    count = 0
    while True:
        events = (
            await AuditEvent.filter(org_id=org_id, seq__gte=expected_seq)
            .order_by("seq")
            .limit(batch)
        )
        if not events:
            break
        for event in events:
            if event.seq != expected_seq:
                return VerifyResult(False, count, expected_seq, "event missing from the chain")
            if event.prev_hash != prev:
                return VerifyResult(False, count, event.seq, "link to the previous event is broken")
            text = canonical(
                event.seq, event.at, event.actor_id, event.request_id, event.kind, event.data
            )
            if chain_hash(prev, text) != event.hash:
                return VerifyResult(False, count, event.seq, "content does not match its hash")
            prev = event.hash
            expected_seq += 1
            count += 1
    head = await AuditHead.get_or_none(org_id=org_id)
    if head is not None and (head.seq != count or head.hash != prev):
        return VerifyResult(False, count, count + 1, "chain head does not match the last event")
    return VerifyResult(True, count)


async def chain_head(org_id: int) -> tuple[int, str]:
    await settle_appends()  # this transaction's own appends are read too
    head = await AuditHead.get_or_none(org_id=org_id)
    return (head.seq, head.hash) if head else (0, GENESIS)
