"""The website's checks in time: queued pages looked at every minute, every page watched once a week."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.runtime import Runtime
from procedure.website import check_pages, queue_watch
from scheduler.base import claim, day_start

WATCH = "website-watch"


async def watch_website(rt: Runtime, now: datetime) -> int:
    """On the org's watch day (from the morning, or later that week after downtime) queue every page."""
    weekday = rt.org.website.watch_weekday
    if not weekday:
        return 0
    today = rt.today(now)
    day = today + timedelta(days=weekday - today.isoweekday())
    if now < day_start(rt, day):
        return 0
    year, week, _ = day.isocalendar()
    if not await claim(WATCH, None, f"{year}-W{week:02d}"):
        return 0
    return await queue_watch(rt, now)


async def check_website_pages(rt: Runtime, now: datetime) -> int:
    """Look at the pages that are queued (publication, takedown, watch, import) and act on them."""
    return await check_pages(rt, now)
