"""Read-only views of people and requests for the CLI and the admins."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q

from core.runtime import Runtime
from models.audit import AuditEvent, settle_appends
from models.enums import Status
from models.people import Identity, Person, RoleAssignment
from models.request import Attachment, Category, Decision, PageCheck, Request, Task


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


async def people_rows(rt: Runtime) -> list[dict[str, Any]]:
    people = await Person.filter(org_id=rt.org_id).order_by("id")
    roles: dict[int, list[str]] = {}
    for r in await RoleAssignment.filter(person__org_id=rt.org_id).order_by("role"):
        roles.setdefault(r.person_id, []).append(r.role.value)
    platforms: dict[int, list[str]] = {}
    for i in await Identity.filter(person__org_id=rt.org_id).order_by("channel"):
        platforms.setdefault(i.person_id, []).append(i.channel.value)
    return [
        {
            "id": p.id,
            "name": p.name,
            "unit": p.unit,
            "position": p.position,
            "roles": ",".join(["staff", *roles.get(p.id, [])]),
            "platforms": ",".join(platforms.get(p.id, [])),
            "active": p.active,
        }
        for p in people
    ]


async def own_requests(person_id: int, limit: int) -> list[Request]:
    """A person's requests, newest first, leaving out the drafts they discarded."""
    return (
        await Request.filter(owner_id=person_id)
        .filter(Q(ref__isnull=False) | ~Q(status=Status.WITHDRAWN))
        .order_by("-id")
        .limit(limit)
    )


async def request_rows(rt: Runtime, status: str | None = None) -> list[dict[str, Any]]:
    query = (
        Request.filter(org_id=rt.org_id).exclude(status=Status.DRAFT)
        if status is None
        else Request.filter(org_id=rt.org_id, status=status)
    )
    rows = await query.order_by("-id").prefetch_related("owner", "category")
    return [
        {
            "ref": r.ref,
            "status": r.status.value,
            "title": r.title,
            "owner": r.owner.name,
            "category": r.category.key if r.category else None,
            "urgent": r.urgent,
            "publish_date": _iso(r.publish_date),
            "end_date": _iso(r.end_date),
            "updated_at": _iso(r.updated_at),
        }
        for r in rows
    ]


# The request's own columns, as `requests show` lists them.
FIELDS = (
    "version", "owner_unit", "title", "summary", "source", "external_link", "remarks",
    "urgent", "urgent_reason", "certified", "revision_no", "verbal", "verbal_confirmed",
    "published_url", "imported",
)  # fmt: skip
DATES = (
    "data_from", "data_until", "publish_date", "end_date", "submitted_at", "decided_at",
    "published_at", "expired_at", "removed_at", "review_due",
)  # fmt: skip


async def request_detail(rt: Runtime, ref: str) -> dict[str, Any] | None:
    """One request in full: its fields, files, decisions, tasks and audit history."""
    await settle_appends()  # this transaction's own appends are read too
    req = await Request.get_or_none(org_id=rt.org_id, ref=ref.strip().upper()).prefetch_related(
        "owner"
    )
    if req is None:
        return None
    category = await Category.get_or_none(id=req.category_id) if req.category_id else None
    previous = await Request.get_or_none(id=req.revision_of_id) if req.revision_of_id else None
    detail: dict[str, Any] = {
        "ref": req.ref,
        "status": req.status.value,
        "owner": req.owner.name,
        "category": category.key if category else None,
        "category_name": category.name_th if category else None,
    }
    detail.update({field: getattr(req, field) for field in FIELDS})
    detail["website_check"] = req.web_check or None  # passed, unverified (published anyway)
    detail.update({field: _iso(getattr(req, field)) for field in DATES})
    successor = (
        await Request.filter(
            revision_of_id=req.id,
            status__in=[Status.PUBLISHED, Status.EXPIRED, Status.REMOVED],
        )
        .order_by("-id")
        .first()
    )
    detail.update(
        revision_of=previous.ref if previous else None,
        replaced_by=successor.ref if successor else None,
        files=await _files(req.id),
        decisions=await _decisions(req.id),
        tasks=await _tasks(req.id),
        page_checks=await _page_checks(req.id),
        history=await _history(rt, req.id),
    )
    return detail


async def _page_checks(request_id: int) -> list[dict[str, Any]]:
    checks = await PageCheck.filter(request_id=request_id).exclude(result="").order_by("id")
    return [
        {
            "kind": c.kind,
            "url": c.url,
            "result": c.result,
            "code": c.code,
            "detail": c.detail,
            "http_status": c.http_status,
            "at": _iso(c.checked_at),
        }
        for c in checks
    ]


async def _files(request_id: int) -> list[dict[str, Any]]:
    files = await Attachment.filter(request_id=request_id).order_by("position", "id")
    return [
        {
            "name": f.original_name,
            "extension": f.extension,
            "mime_type": f.mime_type,
            "size": f.size,
            "sha256": f.sha256,
        }
        for f in files
    ]


async def _decisions(request_id: int) -> list[dict[str, Any]]:
    decisions = (
        await Decision.filter(request_id=request_id)
        .order_by("id")
        .prefetch_related("person", "acting_for")
    )
    return [
        {
            "action": d.action,
            "by": d.person.name if d.person else None,
            "how": d.how,
            "acting_for": d.acting_for.name if d.acting_for else None,
            "reason_code": d.reason_code,
            "reason": d.reason,
            "verbal_by": d.verbal_by,
            "verbal_at": _iso(d.verbal_at),
            "at": _iso(d.created_at),
        }
        for d in decisions
    ]


async def _tasks(request_id: int) -> list[dict[str, Any]]:
    tasks = await Task.filter(request_id=request_id).order_by("id").prefetch_related("claimed_by")
    return [
        {
            "kind": t.kind.value,
            "status": t.status.value,
            "claimed_by": t.claimed_by.name if t.claimed_by else None,
            "claimed_at": _iso(t.claimed_at),
            "done_at": _iso(t.done_at),
            "url": t.url,
            "reason": t.reason,
            "created_at": _iso(t.created_at),
        }
        for t in tasks
    ]


async def _history(rt: Runtime, request_id: int) -> list[dict[str, Any]]:
    """The audit events of a request, oldest first: what happened, who did it, when."""
    events = await AuditEvent.filter(org_id=rt.org_id, request_id=request_id).order_by("seq")
    ids = {e.actor_id for e in events if e.actor_id}
    names = dict(await Person.filter(id__in=ids).values_list("id", "name")) if ids else {}
    rows = []
    for e in events:
        data = e.data or {}
        detail = {
            k: data[k] for k in ("how", "reason", "url", "task", "to", "successor") if data.get(k)
        }
        if data.get("acting_for"):
            acting = await Person.get_or_none(id=data["acting_for"])
            detail["acting_for"] = acting.name if acting else data["acting_for"]
        rows.append(
            {
                "at": _iso(e.at),
                "event": e.kind,
                "by": names.get(e.actor_id),
                **detail,
            }
        )
    return rows
