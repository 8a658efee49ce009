"""The announcement's procedure as operations: each change of state with the notices it causes.

Everything a person or a sweep changes goes through here, so that the rows, the audit event
and the messages to everyone concerned commit in one transaction or not at all.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.runtime import Runtime
from locales import _
from models.db import atomic
from models.enums import Status
from models.request import Request
from models.workflow import Change, Details, IllegalTransition, change_request
from notices.change import notify_change


async def transition(
    rt: Runtime,
    request_id: int,
    action: str,
    actor_id: int | None,
    *,
    now: datetime | None = None,
    **details,
) -> Change:
    """Move a request by one action and tell everyone concerned, or raise a WorkflowError.

    `details` are the fields of models.workflow.Details: how, acting_for_id, reason_code,
    reason, url, verbal_by, verbal_at.
    """
    now = now or datetime.now(UTC)
    if action in DECISIONS and actor_id is not None:
        await _refuse_own_request(request_id, actor_id)
    async with atomic():
        change = await change_request(
            rt, request_id, action, actor_id, now=now, details=Details(**details)
        )
        change.outbox = await notify_change(rt, change, now)
        if action == "publish" and change.request.revision_of_id:
            await _retire_predecessor(rt, change, actor_id, now)
        return change


async def _retire_predecessor(
    rt: Runtime, change: Change, actor_id: int | None, now: datetime
) -> None:
    """A published revision replaces the item it revises: at the same address the old one is
    gone (removed); at another address the old page is due for takedown, a webmaster's task."""
    new = change.request
    old = await Request.get(id=new.revision_of_id)
    if old.status not in (Status.PUBLISHED, Status.EXPIRED):
        return  # a revision of a rejected or returned request replaces nothing online
    same_page = bool(old.published_url) and old.published_url == new.published_url
    if same_page or old.status == Status.EXPIRED:
        action = "replace" if same_page else None
    else:
        action = "takedown"
    if action is None:
        return  # its takedown is already a webmaster's task
    await transition(
        rt, old.id, action, actor_id, now=now, successor=new.ref, url=new.published_url
    )


# Actions that decide or check a request: never by its owner (separation of duties).
DECISIONS = frozenset({"approve", "reject", "pass", "send_back", "confirm", "revoke"})


async def _refuse_own_request(request_id: int, actor_id: int) -> None:
    if await Request.filter(id=request_id, owner_id=actor_id).exists():
        raise IllegalTransition(_("You cannot decide or check your own request."))


async def submit(
    rt: Runtime, request_id: int, actor_id: int, *, now: datetime | None = None
) -> Change:
    """Send a draft on: to the checker when the org turns the check step on, else the approver."""
    action = "submit_for_check" if rt.org.workflow.check_step else "submit"
    return await transition(rt, request_id, action, actor_id, now=now)
