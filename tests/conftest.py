"""Shared fixtures: a migrated database per test on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.org_config import OrgConfig, load_org_config
from core.runtime import Runtime
from models.db import close_db, open_db, upgrade

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("WEBPUB_TEST_POSTGRES_URL")
NO_POSTGRES = "WEBPUB_TEST_POSTGRES_URL is not set: PostgreSQL variant skipped (CI sets it)"


def _server_url(url: str, database: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{database}"


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (much faster than migrating anew)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(upgrade(f"sqlite://{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database of this run's own, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    name = f"webpub_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    url = _server_url(POSTGRES_URL, name)
    asyncio.run(upgrade(url))
    yield url
    asyncio.run(_admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate_postgres() -> None:
    from tortoise import Tortoise

    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(
        "SELECT tablename FROM pg_tables"
        " WHERE schemaname = 'public' AND tablename NOT LIKE 'tortoise%'"
    )
    tables = ", ".join(f'"{r["tablename"]}"' for r in rows)
    await conn.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, migrated database: a copy of the template, or the run's PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "webpub.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite://{path}"
    return request.getfixturevalue("postgres_database")


@pytest.fixture
def org_config() -> OrgConfig:
    return load_org_config(ROOT / "org.example.toml")


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[str]:
    """The database open in this test's event loop."""
    # Tortoise caches insert statements by connection name, not engine; tests switch engines.
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    EXECUTOR_CACHE.clear()
    await open_db(db_url)
    if not db_url.startswith("sqlite"):
        await _truncate_postgres()
    try:
        yield db_url
    finally:
        await close_db()


@pytest.fixture
async def rt(db: str, org_config: OrgConfig, tmp_path: Path) -> Runtime:
    """The runtime of a default organization in a fresh database."""
    from models.directory import ensure_organization

    row = await ensure_organization(org_config)
    return Runtime(
        org_id=row.id,
        org=org_config,
        tz=ZoneInfo("Asia/Bangkok"),
        default_locale="th",
        public_url="http://127.0.0.1:8080",
        data_dir=tmp_path / "data",
        secret_key=b"k" * 32,
    )


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[object]:
    """The whole bot with both platform emulators, on this test's database."""
    from tests.harness import running_world

    async with running_world(db_url, tmp_path / "data") as w:
        yield w


@pytest.fixture
async def site() -> AsyncIterator[object]:
    """A stand-in for the office website on 127.0.0.1 (tests/office_site.py)."""
    from tests.office_site import OfficeSite

    site = await OfficeSite().start()
    yield site
    await site.close()


@pytest.fixture
async def office(rt: Runtime, site) -> Runtime:
    """The runtime with the org's website pointed at the stand-in; pages get 1 s to answer."""
    from dataclasses import replace

    org = rt.org.model_copy(
        update={
            "organization": rt.org.organization.model_copy(update={"website": site.url}),
            "website": rt.org.website.model_copy(update={"check_timeout_seconds": 1.0}),
        }
    )
    return replace(rt, org=org)
