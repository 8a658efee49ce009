"""A sandbox server on a free loopback port, as `webpub serve` starts it with no credentials."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from bot.app import create_app
from bot.settings import Settings
from core.org_config import load_org_config
from tests.harness import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sandbox_settings(data_dir: Path, **overrides) -> Settings:
    port = free_port()
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        org_file=ROOT / "org.example.toml",
        **overrides,
    )


@asynccontextmanager
async def sandbox_server(data_dir: Path) -> AsyncIterator[tuple[str, web.Application]]:
    """The address of a running sandbox and its application."""
    settings = sandbox_settings(data_dir)
    app = create_app(settings, load_org_config(settings.org_file), scheduler=False)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", settings.port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{settings.port}", app
    finally:
        await runner.cleanup()
