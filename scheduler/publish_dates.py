"""Publication on its date: a request approved for a later publish date reaches the webmasters
on that date, at the start of the working morning, and is chased from then."""

from __future__ import annotations

from datetime import datetime

from core.runtime import Runtime
from models import workflow
from models.db import atomic
from models.enums import Status, TaskKind, TaskStatus
from models.request import Task
from notices.change import notify_change


async def open_scheduled_tasks(rt: Runtime, now: datetime) -> int:
    """Open the publishing tasks whose publish date has come; the webmasters get the card."""
    due = (
        await Task.filter(
            kind=TaskKind.PUBLISH,
            status=TaskStatus.SCHEDULED,
            request__org_id=rt.org_id,
            request__status=Status.APPROVED,
            request__publish_date__lte=rt.today(now),
        )
        .order_by("id")
        .prefetch_related("request")
    )
    opened = 0
    for task in due:
        if now < rt.day_start(task.request.publish_date):
            continue
        async with atomic():
            # Conditional: of two instances sweeping at once, one opens it and tells.
            if not await workflow.change_tasks(Task.filter(id=task.id), "open"):
                continue
            task.status = TaskStatus.OPEN
            req = task.request
            change = workflow.Change(req, "open_task", req.status, req.status, None, task=task)
            await notify_change(rt, change, now)
        opened += 1
    return opened
