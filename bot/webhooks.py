"""Webhook endpoints: verify, parse, record, answer. Nothing else on this path."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from bot.channels import WebhookRejected
from bot.keys import CHANNELS, INBOX, METRICS

log = logging.getLogger(__name__)

BODY_MAX = 2 * 1024 * 1024  # LINE: request bodies are at most 2 MB; Telegram updates are smaller


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
    if events:
        await request.app[INBOX].accept(name, events)
    metrics.webhooks.labels(name, "ok").inc()
    metrics.webhook_seconds.labels(name).observe(time.perf_counter() - started)
    return web.json_response({"ok": True})


async def line_webhook(request: web.Request) -> web.Response:
    """POST /webhooks/line"""
    return await _accept(request, "line")


async def telegram_webhook(request: web.Request) -> web.Response:
    """POST /webhooks/telegram"""
    return await _accept(request, "telegram")
