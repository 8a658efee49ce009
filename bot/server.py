"""`webpub serve`: the web app with its background workers."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.app import create_app
from bot.boot import load_org
from bot.settings import Settings

log = logging.getLogger("webpub")


async def serve(settings: Settings, *, telegram_polling: bool = False) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings, load_org(settings))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    mode = "sandbox" if settings.sandbox_mode else "live"
    log.info("webpub listening on http://%s:%s (%s mode)", settings.host, settings.port, mode)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
