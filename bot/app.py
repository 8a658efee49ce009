"""The aiohttp application: one route table, resources opened and closed in one place."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot import files_http, sandbox
from bot.attachments import StoredAttachments
from bot.boot import build_runtime
from bot.channels import Channel
from bot.delivery import OutboxWorker
from bot.inbox import InboxProcessor
from bot.keys import CHANNELS, INBOX, METRICS, ORG, OUTBOX, RUNTIME, SETTINGS
from bot.loop import drain_forever
from bot.metrics import Metrics
from bot.settings import Settings
from bot.webhooks import line_webhook, telegram_webhook
from core.org_config import OrgConfig
from models.db import close_db, open_db
from models.enums import OutboxStatus
from models.messaging import OutboxMessage
from models.people import Organization

log = logging.getLogger(__name__)
PAGE_CHECK_IDLE = 1.0  # seconds between looks for queued website checks


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: the process answers and the database is reachable."""
    await Organization.all().limit(1).values_list("id", flat=True)
    return web.json_response({"status": "ok", "sandbox": request.app[SETTINGS].sandbox_mode})


async def metrics(request: web.Request) -> web.Response:
    """GET /metrics in the Prometheus text format."""
    registry = request.app[METRICS]
    for status in (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.DEAD):
        registry.outbox_depth.labels(status.value).set(
            await OutboxMessage.filter(status=status).count()
        )
    return web.Response(body=registry.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The platforms with credentials; the SDK clients open later, inside the loop."""
    channels: dict[str, Channel] = {}
    if settings.line_enabled:
        from bot.channels.line import LineChannel

        channels["line"] = LineChannel(settings)
    if settings.telegram_enabled:
        from bot.channels.telegram import TelegramChannel

        channels["telegram"] = TelegramChannel(settings)
    return channels


def create_app(
    settings: Settings, org: OrgConfig, *, workers: bool = True, scheduler: bool = True
) -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[SETTINGS] = settings
    app[ORG] = org
    app[METRICS] = Metrics()
    app[CHANNELS] = build_channels(settings)
    app.router.add_post("/webhooks/line", line_webhook)
    app.router.add_post("/webhooks/telegram", telegram_webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/files/{attachment_id:\\d+}", files_http.download)
    if settings.sandbox_mode:
        sandbox.add_routes(app)
    app.cleanup_ctx.append(_resources)
    if workers:
        app.cleanup_ctx.append(_workers)
    if scheduler:
        app.cleanup_ctx.append(_scheduler)
    return app


async def _resources(app: web.Application) -> AsyncIterator[None]:
    """Database, runtime and platform clients: opened at start, closed at stop."""
    settings = app[SETTINGS]
    await open_db(settings.database_url)
    rt = await build_runtime(settings, app[ORG])
    app[RUNTIME] = rt
    for channel in app[CHANNELS].values():
        await channel.start()
    outbox = OutboxWorker(app[CHANNELS], StoredAttachments(rt), app[METRICS])
    app[OUTBOX] = outbox
    app[INBOX] = InboxProcessor(rt, app[CHANNELS], outbox.wakeup)
    yield
    for channel in app[CHANNELS].values():
        await channel.close()
    await close_db()


async def _workers(app: web.Application) -> AsyncIterator[None]:
    """The inbox processor, the outbox worker and the scheduler run beside the web server."""
    tasks = [
        asyncio.create_task(app[INBOX].run(), name="inbox"),
        asyncio.create_task(app[OUTBOX].run(), name="outbox"),
        asyncio.create_task(_page_checks(app), name="pages"),
    ]
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _page_checks(app: web.Application) -> None:
    """The website checks a webmaster waits for, looked at within seconds (the sweep is a backstop)."""
    from procedure.website import check_pages

    rt = app[RUNTIME]

    async def step() -> int:
        done = await check_pages(rt, datetime.now(UTC))
        if done:
            app[OUTBOX].wakeup.set()
        return done

    await drain_forever(step, asyncio.Event(), PAGE_CHECK_IDLE, "pages")


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    """The sweeps on their schedules (APScheduler in this process; every instance may run one)."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from scheduler import install

    jobs = AsyncIOScheduler(timezone=app[RUNTIME].tz)
    install(jobs, app[RUNTIME])
    if "line" in app[CHANNELS]:
        from scheduler.quota import JOB_ID, warn_low_quota

        async def line_quota() -> None:
            await warn_low_quota(app[RUNTIME], app[CHANNELS]["line"].quota, datetime.now(UTC))

        jobs.add_job(line_quota, "cron", hour=9, minute=5, id=JOB_ID, coalesce=True)
    jobs.start()
    yield
    jobs.shutdown(wait=False)
