"""The aiohttp application: one route table, resources opened and closed in one place."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot import files_http, records_http
from bot.attachments import StoredAttachments
from bot.boot import build_runtime
from bot.channels import Channel
from bot.degraded import Degradation
from bot.delivery import OutboxWorker
from bot.health import Health
from bot.inbox import InboxProcessor
from bot.keys import (
    CHANNELS,
    DEGRADED,
    HEALTH,
    INBOX,
    METRICS,
    ORG,
    OUTBOX,
    ROUTER,
    RUNTIME,
    SENDER_ID,
    SETTINGS,
)
from bot.loop import drain_forever
from bot.menus import set_everyone_menus
from bot.metrics import Metrics
from bot.redaction import protect_logs
from bot.settings import Settings
from bot.webhooks import line_webhook, telegram_webhook
from core.org_config import OrgConfig
from handlers.router import build_router
from models.db import close_db, open_db
from models.enums import OutboxStatus
from models.messaging import OutboxMessage

log = logging.getLogger(__name__)
PAGE_CHECK_IDLE = 1.0  # seconds between looks for queued website checks


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: 200 when the database takes writes; 503 with the reason when it does not."""
    fault = await request.app[HEALTH].probe()
    if fault is not None:
        since = datetime.fromtimestamp(fault.since, UTC).isoformat(timespec="seconds")
        return web.json_response(
            {
                "status": "unavailable",
                "reason": f"database {fault.kind}",
                "detail": fault.detail,
                "since": since,
            },
            status=503,
        )
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
    if settings.sandbox_mode:
        return channels  # the sandbox adds its own, pointed at its stand-in APIs
    if settings.line_enabled:
        from bot.channels.line import LineChannel

        channels["line"] = LineChannel(settings)
    if settings.telegram_enabled:
        from bot.channels.telegram import TelegramChannel

        channels["telegram"] = TelegramChannel(settings)
    return channels


def create_app(
    settings: Settings,
    org: OrgConfig,
    *,
    workers: bool = True,
    scheduler: bool = True,
    sender_id: str | None = None,
) -> web.Application:
    if settings.sandbox_mode:
        from bot.sandbox import sandbox_settings

        settings = sandbox_settings(settings)  # its own database, the stand-in platform APIs
    app = web.Application(
        client_max_size=24 * 1024 * 1024 if settings.sandbox_mode else 4 * 1024 * 1024
    )
    app[SETTINGS] = settings
    app[ORG] = org
    app[METRICS] = Metrics()
    app[CHANNELS] = build_channels(settings)
    app[ROUTER] = build_router()
    app[HEALTH] = Health()
    if sender_id is not None:
        app[SENDER_ID] = sender_id
    app.router.add_post("/webhooks/line", line_webhook)
    app.router.add_post("/webhooks/telegram", telegram_webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/files/{attachment_id:\\d+}", files_http.download)
    app.router.add_get("/forms/{request_id:\\d+}", records_http.form)
    app.router.add_get("/reports/{year:\\d{4}}", records_http.report)
    app.cleanup_ctx.append(_resources)
    if settings.sandbox_mode:
        from bot import sandbox

        sandbox.add_routes(app, settings)
    if workers:
        app.cleanup_ctx.append(_workers)
    if scheduler:
        app.cleanup_ctx.append(_scheduler)
    return app


async def _resources(app: web.Application) -> AsyncIterator[None]:
    """Database, runtime and platform clients: opened at start, closed at stop."""
    settings = app[SETTINGS]
    if settings.sandbox_mode:
        from models.db import upgrade

        await upgrade(settings.database_url)  # the sandbox's own database, made on first start
    await open_db(settings.database_url)
    try:
        rt = await build_runtime(settings, app[ORG])
        app[RUNTIME] = rt
        protect_logs(settings.secret_key)  # and again for the loggers made since the channels were
        for channel in app[CHANNELS].values():
            await channel.start()
    except BaseException:
        # A start that fails must not leave the database thread running: the process would
        # neither serve nor exit.
        for channel in app[CHANNELS].values():
            with contextlib.suppress(Exception):
                await channel.close()
        await close_db()
        raise
    outbox = OutboxWorker(
        app[CHANNELS],
        StoredAttachments(rt),
        app[METRICS],
        rt=rt,
        health=app[HEALTH],
        sender_id=app.get(SENDER_ID),
    )
    app[OUTBOX] = outbox
    app[DEGRADED] = Degradation(app[CHANNELS], outbox.files)
    app[INBOX] = InboxProcessor(rt, app[ROUTER], app[CHANNELS], outbox, app[HEALTH])
    yield
    for channel in app[CHANNELS].values():
        await channel.close()
    await close_db()


async def _workers(app: web.Application) -> AsyncIterator[None]:
    """The inbox processor, the outbox worker and the scheduler run beside the web server."""
    tasks = [
        asyncio.create_task(app[INBOX].run(), name="inbox"),
        asyncio.create_task(app[OUTBOX].run(), name="outbox"),
        asyncio.create_task(_set_menus(app), name="menus"),
        asyncio.create_task(_page_checks(app), name="pages"),
    ]
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await app[OUTBOX].stop()


async def _set_menus(app: web.Application) -> None:
    """Telegram's command menus for everyone, in webhook and polling mode alike."""
    try:
        count = await set_everyone_menus(app[RUNTIME], app[CHANNELS])
    except Exception as exc:  # Telegram unreachable at start: the menus wait for the next start
        log.warning("Telegram command menus not set: %s", exc)
        return
    if count:
        log.info("Telegram command menus set: %d", count)


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
    line = app[CHANNELS].get("line")
    install(jobs, app[RUNTIME], line_quota=line.quota if line is not None else None)
    jobs.start()
    yield
    jobs.shutdown(wait=False)
