"""`webpub serve`: the web app with its workers, and Telegram long polling when asked."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.app import create_app
from bot.boot import load_org
from bot.channels import RawEvent
from bot.keys import CHANNELS, INBOX
from bot.settings import Settings

log = logging.getLogger("webpub")

# A stop (SIGTERM) finishes within STOP_SECONDS whatever the database is doing: requests in
# flight get SHUTDOWN_GRACE, the rest of the cleanup what is left.
STOP_SECONDS = 8.0
SHUTDOWN_GRACE = 3.0


async def serve(settings: Settings, *, telegram_polling: bool = False) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings, load_org(settings))
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    mode = "sandbox" if settings.sandbox_mode else ", ".join(sorted(app[CHANNELS])) or "no channels"
    log.info("webpub listening on http://%s:%s (%s)", settings.host, settings.port, mode)
    if settings.sandbox_mode:
        log.info("try it at http://%s:%s/sandbox", settings.host, settings.port)
    if settings.telegram_enabled and not settings.telegram_secret_token:
        log.warning(
            "WEBPUB_TELEGRAM_SECRET_TOKEN is not set: webhooks must carry the secret derived from "
            "the token, which `webpub telegram set-webhook URL` registers with Telegram"
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    poller = None
    if telegram_polling and "telegram" in app[CHANNELS]:
        poller = asyncio.create_task(poll_telegram(app))
    try:
        await stop.wait()
    finally:
        if poller is not None:
            poller.cancel()
        log.info("stopping")
        try:
            await asyncio.wait_for(runner.cleanup(), timeout=STOP_SECONDS)
        except TimeoutError:
            log.warning("cleanup took over %.0f s; stopping anyway", STOP_SECONDS)


async def poll_telegram(app: web.Application) -> None:
    """Long-poll getUpdates and feed the inbox, for offices without a public HTTPS address."""
    channel = app[CHANNELS]["telegram"]
    await channel.bot.delete_webhook()
    offset: int | None = None
    while True:
        try:
            updates = await channel.poll(offset)
        except Exception as exc:  # network trouble: wait and go on polling
            log.warning("Telegram polling failed: %s", exc)
            await asyncio.sleep(5)
            continue
        if updates:
            await app[INBOX].accept("telegram", [RawEvent(str(u["update_id"]), u) for u in updates])
        if updates:
            offset = max(u["update_id"] for u in updates) + 1
