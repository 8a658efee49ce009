"""Starting up: settings and org file checked, database opened, organization ensured."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.secrets import signing_key_file
from bot.settings import Settings, SettingsError
from core.org_config import OrgConfig, load_org_config
from core.runtime import Runtime
from models.db import close_db, open_db
from models.directory import ensure_organization


def load_org(settings: Settings) -> OrgConfig:
    return load_org_config(settings.org_file)


async def build_runtime(settings: Settings, org: OrgConfig) -> Runtime:
    """Ensure the organization row exists and describe the deployment; the database must be open."""
    row = await ensure_organization(org)
    return Runtime(
        org_id=row.id,
        org=org,
        tz=ZoneInfo(settings.timezone),
        default_locale=settings.locale,
        public_url=settings.public_url,
        data_dir=settings.data_dir,
        secret_key=derive_secret(settings.secret_key, settings.data_dir),
    )


class NoDatabase(SettingsError):
    """A command that needs the database was run where there is none; nothing was created."""


def require_database(settings: Settings) -> None:
    """Stop a command run outside a project folder before it leaves an empty database behind."""
    url = settings.database_url
    if not url.startswith("sqlite://") or url == "sqlite://:memory:":
        return
    path = Path(url.removeprefix("sqlite://"))
    if not path.is_file():
        raise NoDatabase(
            f"no database at {path.resolve()} (WEBPUB_DATABASE_URL={url}, read from "
            f"{Path.cwd()}); run webpub in the project folder, or `make run` there first"
        )


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Runtime]:
    """The database open and the runtime built, for a CLI command; the database must exist."""
    require_database(settings)
    org = load_org(settings)
    await open_db(settings.database_url)
    try:
        yield await build_runtime(settings, org)
    finally:
        await close_db()


def derive_secret(explicit: str | None, data_dir: Path) -> bytes:
    """The signing key: WEBPUB_SECRET_KEY, else one kept in the data directory."""
    if explicit:
        return hashlib.sha256(explicit.encode()).digest()
    return signing_key_file(data_dir)
