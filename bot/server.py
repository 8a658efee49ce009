"""`webpub serve`: the web app with its workers, and Telegram long polling when asked."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import signal
import socket
import sys

from aiohttp import web

from bot.app import create_app
from bot.boot import load_org
from bot.channels.telegram import telegram_event
from bot.keys import CHANNELS, INBOX
from bot.secrets import TELEGRAM_SECRET_FILE
from bot.settings import Settings

log = logging.getLogger("webpub")

# A stop (SIGTERM) finishes within STOP_SECONDS whatever the database is doing: requests in
# flight get SHUTDOWN_GRACE, the rest of the cleanup what is left.
STOP_SECONDS = 8.0
SHUTDOWN_GRACE = 3.0


# Libraries that log every request or job at INFO; their lines are for `serve -v`.
CHATTY_LOGGERS = ("httpx", "apscheduler", "aiohttp.access")


def port_taken(host: str, port: int) -> bool:
    """Whether another process already listens on the address (checked before anything starts)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def instance_name(settings: Settings) -> str:
    """This server among the instances, the same after a restart: its host and address (two
    live servers cannot hold one address; the port was found free before the name is used)."""
    address = f"{socket.gethostname()} {settings.host}:{settings.port}"
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def _port_message(settings: Settings) -> str:
    return (
        f"webpub: port {settings.port} on {settings.host} is taken by another program; "
        f"stop it or choose a free port with WEBPUB_PORT (e.g. WEBPUB_PORT={settings.port + 1} make run)"
    )


async def serve(
    settings: Settings, *, telegram_polling: bool = False, verbose: bool = False
) -> int:
    """Run until SIGINT or SIGTERM; 1 when the port is taken, before anything has started."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        for name in CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
    if port_taken(settings.host, settings.port):
        print(_port_message(settings), file=sys.stderr)
        return 1
    app = create_app(settings, load_org(settings), sender_id=instance_name(settings))
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        print(_port_message(settings), file=sys.stderr)
        return 1
    address = f"http://{settings.host}:{settings.port}"
    if settings.sandbox_mode:
        print(f"webpub sandbox: {address}/sandbox", flush=True)
        print("  a demo office on pretend LINE and Telegram phones; Ctrl+C stops", flush=True)
    else:
        channels = ", ".join(sorted(app[CHANNELS])) or "no channels"
        print(f"webpub listening on {address} ({channels})", flush=True)
    if settings.telegram_enabled and not settings.telegram_secret_token:
        log.warning(
            "WEBPUB_TELEGRAM_SECRET_TOKEN is not set: webhooks must carry the random secret kept in "
            "%s, which `webpub telegram set-webhook URL` registers with Telegram",
            settings.data_dir / TELEGRAM_SECRET_FILE,
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
    return 0


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
            await app[INBOX].accept("telegram", [telegram_event(u) for u in updates])
        if updates:
            offset = max(u["update_id"] for u in updates) + 1
