"""The aiohttp application: one route table, resources opened and closed in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.settings import Settings
from models.db import close_db, open_db
from models.org_config import OrgConfig

SETTINGS = web.AppKey("settings", Settings)
ORG = web.AppKey("org", OrgConfig)


async def healthz(request: web.Request) -> web.Response:
    """Liveness and database reachability."""
    from models.people import Organization

    await Organization.all().count()
    return web.json_response({"status": "ok"})


def create_app(settings: Settings, org: OrgConfig) -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[SETTINGS] = settings
    app[ORG] = org
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(_database)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    await open_db(app[SETTINGS].database_url)
    yield
    await close_db()
