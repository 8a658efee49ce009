"""Warning the admins before the LINE Official Account runs out of this month's pushes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from core.events import Outgoing
from core.runtime import Runtime
from locales import _
from models.db import atomic
from models.directory import people_with_role
from models.enums import Role
from notices.outbox import notify
from scheduler.base import claim

QUOTA_WARN_SHARE = 0.8  # warn the admins when 80% of the month's pushes are used
JOB_ID = "line-quota"

# LINE's quota as (plan, monthly limit or None, used this month); the LINE channel reads it.
QuotaReader = Callable[[], Awaitable[tuple[str, int | None, int]]]


async def warn_low_quota(rt: Runtime, read_quota: QuotaReader, now: datetime) -> int:
    """Tell every admin once a month when pushes run low; returns how many were told."""
    _kind, limit, used = await read_quota()
    if limit is None or used < QUOTA_WARN_SHARE * limit:
        return 0
    month = now.astimezone(rt.tz).strftime("%Y-%m")

    def warning(locale: str) -> Outgoing:
        return Outgoing(
            text=_(
                "LINE pushes are running low: {used} of {limit} used this month. "
                "Notifications may stop when none are left; people who also use Telegram "
                "get theirs there."
            ).format(used=used, limit=limit)
        )

    told = 0
    async with atomic():
        if not await claim(JOB_ID, None, month):
            return 0
        for admin in await people_with_role(rt.org_id, Role.ADMIN):
            if await notify(admin, warning, default_locale=rt.default_locale, kind=JOB_ID):
                told += 1
    return told
