"""Webhook endpoints: verify, parse, record, answer. Nothing else on this path."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from bot.channels import RawEvent, WebhookRejected
from bot.health import LASTING
from bot.keys import CHANNELS, DEGRADED, HEALTH, INBOX, METRICS, RUNTIME
from models.faults import patience

log = logging.getLogger(__name__)

BODY_MAX = 2 * 1024 * 1024  # LINE: request bodies are at most 2 MB; Telegram updates are smaller
# LINE counts a webhook unanswered after 2 s as failed; a database that cannot take the
# events by then gets a 503, and both platforms send them again later.
RECORD_PATIENCE = 1.2  # seconds to wait for the write lock
RECORD_TIMEOUT = 1.8  # seconds to wait for the events to be stored at all
RETRY_AFTER = "5"  # seconds, in the 503's Retry-After


async def _accept(request: web.Request, name: str) -> web.Response:
    metrics = request.app[METRICS]
    started = time.perf_counter()
    channel = request.app[CHANNELS].get(name)
    if channel is None:
        metrics.webhooks.labels(name, "disabled").inc()
        return web.json_response({"error": f"{name} is not configured"}, status=404)
    body = await request.read()
    if len(body) > BODY_MAX:
        metrics.webhooks.labels(name, "too_large").inc()
        return web.json_response({"error": "body too large"}, status=413)
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        events = channel.verify_webhook(body, headers)
    except WebhookRejected as exc:
        metrics.webhooks.labels(name, str(exc.status)).inc()
        log.warning("%s webhook refused (%s): %s", name, exc.status, exc)
        return web.json_response({"error": str(exc)}, status=exc.status)
    if events and not await _record(request, name, events):
        metrics.webhooks.labels(name, "503").inc()
        fault = request.app[HEALTH].fault
        reason = f"database {fault.kind}" if fault else "database busy"
        return web.json_response(
            {"error": f"{reason}: send again later"},
            status=503,
            headers={"Retry-After": RETRY_AFTER},
        )
    metrics.webhooks.labels(name, "ok").inc()
    metrics.webhook_seconds.labels(name).observe(time.perf_counter() - started)
    return web.json_response({"ok": True})


async def _record(request: web.Request, name: str, events: list[RawEvent]) -> bool:
    """Store the events in the inbox; False when the database cannot take them now."""
    health = request.app[HEALTH]
    try:
        with patience(RECORD_PATIENCE):
            await asyncio.wait_for(request.app[INBOX].accept(name, events), RECORD_TIMEOUT)
    except Exception as exc:
        if isinstance(exc, TimeoutError):
            health.failed(ConnectionError(f"events not stored within {RECORD_TIMEOUT:g} s"))
        elif health.failed(exc) is None:
            raise
        fault = health.fault
        if fault is not None and fault.kind in LASTING:
            await request.app[DEGRADED].refused(
                request.app[RUNTIME], name, events, fault.kind, fault.since
            )
        return False
    health.wrote()
    return True


async def line_webhook(request: web.Request) -> web.Response:
    """POST /webhooks/line"""
    return await _accept(request, "line")


async def telegram_webhook(request: web.Request) -> web.Response:
    """POST /webhooks/telegram"""
    return await _accept(request, "telegram")
