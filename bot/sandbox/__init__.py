"""Sandbox mode: the whole procedure in a browser, on phones that look like LINE and Telegram.

The sandbox runs on its own database under the data directory. The real LINE and Telegram
adapters deliver through their SDKs to the stand-ins in `platforms`, and the page's typing,
tapping and uploading become signed webhook bodies posted to the real webhook handlers.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web

from bot.settings import Settings, SettingsError

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_allowed(settings: Settings) -> None:
    """Refuse a sandbox beside real credentials, or one open to the network without being asked."""
    real = [
        name
        for name, value in (
            ("WEBPUB_LINE_CHANNEL_SECRET", settings.line_channel_secret),
            ("WEBPUB_LINE_CHANNEL_ACCESS_TOKEN", settings.line_channel_access_token),
            ("WEBPUB_TELEGRAM_TOKEN", settings.telegram_token),
        )
        if value
    ]
    if real:
        raise SettingsError(
            f"the sandbox does not start beside real platform credentials ({', '.join(real)}): "
            "unset them, or unset WEBPUB_SANDBOX to serve the real platforms"
        )
    if not is_loopback(settings.host) and not settings.sandbox_remote:
        raise SettingsError(
            f"the sandbox listens on loopback only, and WEBPUB_HOST is {settings.host}: anyone "
            "who reaches it can act as anyone; set WEBPUB_SANDBOX_REMOTE=1 to allow it"
        )


def own_address(settings: Settings) -> str:
    """Where this server answers itself: the emulated platform APIs and the webhooks."""
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def sandbox_settings(settings: Settings) -> Settings:
    """The settings the sandbox runs on: its own database and data folder, the stand-in APIs."""
    from bot.sandbox.platforms import LINE_SECRET, LINE_TOKEN, TELEGRAM_SECRET, TELEGRAM_TOKEN

    check_allowed(settings)
    data_dir = settings.data_dir / "sandbox"
    return settings.model_copy(
        update={
            "sandbox": True,
            "data_dir": data_dir,
            "database_url": f"sqlite://{data_dir / 'sandbox.sqlite3'}",
            "public_url": own_address(settings),
            "line_channel_secret": LINE_SECRET,
            "line_channel_access_token": LINE_TOKEN,
            "telegram_token": TELEGRAM_TOKEN,
            "telegram_secret_token": TELEGRAM_SECRET,
        }
    )


def pointed_at(settings: Settings, emulators: str) -> Settings:
    """The sandbox settings with the platform API addresses of the stand-ins."""
    return settings.model_copy(
        update={
            "line_api_url": f"{emulators}/line",
            "line_data_api_url": f"{emulators}/line-data",
            "telegram_api_url": f"{emulators}/telegram/bot",
            "telegram_file_url": f"{emulators}/telegram/file/bot",
        }
    )


def add_routes(app: web.Application, settings: Settings) -> None:
    from bot.sandbox import page
    from bot.sandbox.platforms import PHONES, Phones, phone_file

    app[PHONES] = Phones(settings.data_dir / "phone-files")
    app.router.add_get("/sandbox/files/{file_id}", phone_file)
    page.add_page_routes(app)
