"""Typed application keys: everything a request handler may reach, set in create_app."""

from __future__ import annotations

from aiohttp import web

from bot.channels import Channel
from bot.degraded import Degradation
from bot.delivery import OutboxWorker
from bot.health import Health
from bot.inbox import InboxProcessor
from bot.metrics import Metrics
from bot.settings import Settings
from core.org_config import OrgConfig
from core.runtime import Runtime
from handlers.routing import Router

SETTINGS = web.AppKey("settings", Settings)
ORG = web.AppKey("org", OrgConfig)
RUNTIME = web.AppKey("runtime", Runtime)
METRICS = web.AppKey("metrics", Metrics)
CHANNELS = web.AppKey("channels", dict[str, Channel])
INBOX = web.AppKey("inbox", InboxProcessor)
OUTBOX = web.AppKey("outbox", OutboxWorker)
ROUTER = web.AppKey("router", Router)  # every flow's buttons, dialogs and commands
HEALTH = web.AppKey("health", Health)
DEGRADED = web.AppKey("degraded", Degradation)
SENDER_ID = web.AppKey("sender_id", str)  # the outbox worker's name among the instances
