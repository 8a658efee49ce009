"""The scheduler's jobs: every sweep, their schedules, and what happens when one fails.

Each job is a sweep that asks the database what is due, so ticks can be frequent, missed
ticks cost nothing but delay, and several instances may run the same job at once. The
server calls `install`; `webpub scheduler run-once` and the tests call `run_all`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from core.events import Outgoing
from core.runtime import Runtime
from locales import _
from models.directory import people_with_role
from models.enums import Role
from models.request import Reminder
from scheduler.base import Batches, Due, Recipient, send_batches, tag
from scheduler.completeness import completeness_report
from scheduler.dialogs import close_idle_dialogs
from scheduler.digest import morning_digest
from scheduler.escalation import escalate_approvals, escalate_tasks
from scheduler.expiry import expire_items, warn_expiring
from scheduler.housekeeping import audit_checkpoint, prune_retention
from scheduler.publish_dates import open_scheduled_tasks
from scheduler.quota import JOB_ID as QUOTA_JOB
from scheduler.quota import QuotaReader, warn_low_quota
from scheduler.review import review_items
from scheduler.takedown import chase_takedowns
from scheduler.verbal import chase_verbal_approvals
from scheduler.website import check_website_pages, watch_website

log = logging.getLogger(__name__)

FAILURE = "sweep-failure"
KEY_MAX = 60  # models.request.Reminder.key

Sweep = Callable[[Runtime, datetime], Awaitable[int]]


@dataclass(frozen=True)
class Job:
    id: str
    sweep: Sweep
    unit: str  # what the count a sweep returns counts, for the command line
    cron: dict[str, Any] = field(default_factory=dict)  # APScheduler cron fields, org time


# In run order: expiry and the day's tasks first, so the same run's chase and digest see them.
JOBS: tuple[Job, ...] = (
    Job("expire-items", expire_items, "items expired", {"minute": "*/5"}),
    Job("open-tasks", open_scheduled_tasks, "tasks opened", {"minute": "*/5"}),
    Job("watch-website", watch_website, "pages queued", {"minute": "*/30"}),
    Job("check-pages", check_website_pages, "pages checked", {"minute": "*"}),
    Job("warn-expiring", warn_expiring, "messages", {"minute": "*/15"}),
    Job("chase-takedowns", chase_takedowns, "messages", {"minute": "*/15"}),
    Job("escalate-approvals", escalate_approvals, "messages", {"minute": "*/5"}),
    Job("escalate-tasks", escalate_tasks, "messages", {"minute": "*/5"}),
    Job("chase-verbal", chase_verbal_approvals, "messages", {"minute": "*/15"}),
    Job("review-items", review_items, "messages", {"minute": "*/30"}),
    Job("morning-digest", morning_digest, "messages", {"minute": "*/15"}),
    Job("completeness-report", completeness_report, "messages", {"minute": "*/30"}),
    Job("audit-checkpoint", audit_checkpoint, "messages", {"minute": "*/15"}),
    Job("prune-retention", prune_retention, "rows deleted", {"hour": "3", "minute": "17"}),
    Job("close-idle-dialogs", close_idle_dialogs, "dialogs closed", {"minute": "*/5"}),
)
JOB_IDS = tuple(job.id for job in JOBS)


async def run_job(rt: Runtime, job: Job, now: datetime) -> int | None:
    """Run one sweep; on failure log it, tell the admins once, and return None."""
    try:
        count = await job.sweep(rt, now)
    except Exception as exc:
        log.exception("scheduler job %s failed", job.id)
        await _report_failure(rt, job, exc, now)
        return None
    # It works again: a later failure of the same kind is news again.
    await Reminder.filter(kind=FAILURE, request_id=None, key__startswith=f"{job.id}:").delete()
    if count:
        log.info("scheduler job %s: %d %s", job.id, count, job.unit)
    return count


async def _report_failure(rt: Runtime, job: Job, exc: Exception, now: datetime) -> None:
    """Tell each admin once per job and kind of error, until the job has worked again."""
    key_base = f"{job.id}:{type(exc).__name__}"[: KEY_MAX - 12]
    detail = (str(exc) or type(exc).__name__)[:300]
    try:
        batches = Batches()
        for person in await people_with_role(rt.org_id, Role.ADMIN):
            batches.add(person, Due(None, f"{key_base}:{tag(person)}"))

        async def render(person: Recipient, items: list[Due], locale: str) -> Outgoing:
            return Outgoing(
                text=_(
                    "The scheduler job {job} failed: {error}. It is retried at its next run; "
                    "you will hear again only if it fails again after working."
                ).format(job=job.id, error=detail)
            )

        await send_batches(rt, FAILURE, batches, render)
    except Exception:  # the database itself may be what failed; the log has it
        log.exception("could not tell the admins that %s failed", job.id)


async def run_all(rt: Runtime, now: datetime, *, raise_errors: bool = False) -> dict[str, int]:
    """Run every sweep as if at `now`; the count each did (-1 for a sweep that failed)."""
    done: dict[str, int] = {}
    for job in JOBS:
        if raise_errors:
            done[job.id] = await job.sweep(rt, now)
        else:
            count = await run_job(rt, job, now)
            done[job.id] = -1 if count is None else count
    return done


async def _tick(rt: Runtime, job_id: str) -> None:
    job = next(j for j in JOBS if j.id == job_id)
    await run_job(rt, job, datetime.now(UTC))


def install(
    scheduler: AsyncIOScheduler, rt: Runtime, *, line_quota: QuotaReader | None = None
) -> None:
    """Add every job on its schedule (cron fields in the organization's time zone).

    With LINE on, `line_quota` reads the month's push quota for the daily low-quota warning.
    """
    for job in JOBS:
        scheduler.add_job(
            _tick,
            CronTrigger(timezone=rt.tz, **job.cron),
            args=(rt, job.id),
            id=job.id,
            name=job.id,
            replace_existing=True,
            coalesce=True,  # after a pause, one run catches up: the sweep sees all that is due
            max_instances=1,
            misfire_grace_time=300,
        )
    if line_quota is not None:

        async def warn_quota() -> None:
            await warn_low_quota(rt, line_quota, datetime.now(UTC))

        scheduler.add_job(
            warn_quota,
            CronTrigger(timezone=rt.tz, hour=9, minute=5),
            id=QUOTA_JOB,
            name=QUOTA_JOB,
            replace_existing=True,
            coalesce=True,
        )
