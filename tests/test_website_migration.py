"""Migration 0004_website applies to a database that already has requests: new columns get defaults."""

from __future__ import annotations

from pathlib import Path

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from models.db import close_db, open_db, tortoise_config, upgrade


async def test_migration_0004_on_a_database_with_requests(tmp_path: Path):
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    await migrate(config=tortoise_config(url), target="models.0003_decisions")
    await close_db()
    await open_db(url)
    conn = Tortoise.get_connection("default")
    await conn.execute_script(
        "INSERT INTO organization (slug, name_th, name_en, website, created_at)"
        " VALUES ('m', 'ม', 'M', 'https://www.mukdahancity.go.th', '2026-01-01');"
        "INSERT INTO person (org_id, name, unit, position, active, created_at)"
        " VALUES (1, 'สมศรี', '', '', 1, '2026-01-01');"
        "INSERT INTO request (org_id, owner_id, status, version, owner_unit, title, summary, source,"
        " external_link, remarks, urgent, urgent_reason, certified, revision_no, verbal,"
        " published_url, created_at, updated_at) VALUES (1, 1, 'published', 1, '', 'x', '', '',"
        " '', '', 0, '', 1, 0, 0, 'https://www.mukdahancity.go.th/a', '2026-01-01', '2026-01-01');"
    )
    await close_db()
    assert any(name.endswith("_website") for name in await upgrade(url))  # renumbered on merge
    await open_db(url)
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict("SELECT web_check, web_sha256, imported FROM request")
    assert rows == [{"web_check": "", "web_sha256": "", "imported": 0}]
    await close_db()
