"""`webpub audit`: the chain proves itself whole, and one edited row gives itself away."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path

import pytest

from core.org_config import load_org_config
from models.db import database
from models.directory import ensure_organization
from models.enrol import create_invite
from models.enums import Role
from tests.console import ORG_EXAMPLE, Operator, copy_database, operator

INVITES = (("approver", "ปลัดสมชาย"), ("webmaster", "สมหมาย"), ("staff", "สมศรี"))


@pytest.fixture(scope="module")
def audited_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made by `webpub db upgrade`, with one audit event per invitation."""
    home = tmp_path_factory.mktemp("audit")
    admin = operator(home, home / "webpub.sqlite3")
    result = admin.run("db", "upgrade")
    assert result.returncode == 0, result.stderr
    asyncio.run(_invite_everyone(admin.database_url))
    return admin.database


async def _invite_everyone(database_url: str) -> None:
    async with database(database_url):
        org = await ensure_organization(load_org_config(ORG_EXAMPLE))
        for role, name in INVITES:
            await create_invite(org.id, Role(role), name, key=b"k" * 32)


@pytest.fixture
def admin(audited_database: Path, tmp_path: Path) -> Operator:
    return operator(tmp_path, copy_database(audited_database, tmp_path / "webpub.sqlite3"))


def tamper(database: Path, sql: str) -> None:
    """Change the database behind the application's back, as an intruder with file access would."""
    with sqlite3.connect(database) as conn:
        assert conn.execute(sql).rowcount == 1
    conn.close()


def test_audit_verify_says_ok_on_an_intact_chain(admin):
    result = admin.run("audit", "verify")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK")
    assert f"{len(INVITES)} events" in result.stdout


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE audit_event SET data = replace(data, 'webmaster', 'admin') WHERE seq = 2",
        "UPDATE audit_event SET hash = replace(hash, substr(hash, 1, 1), 'x') WHERE seq = 2",
        "DELETE FROM audit_event WHERE seq = 2",
    ],
    ids=["content", "hash", "deleted"],
)
def test_audit_verify_names_the_event_that_was_edited(admin, edit):
    tamper(admin.database, edit)

    result = admin.run("audit", "verify")

    assert result.returncode != 0
    assert "BROKEN at event 2" in result.stdout, result.stdout + result.stderr


def test_audit_verify_notices_an_edit_to_the_newest_event(admin):
    tamper(admin.database, "UPDATE audit_event SET data = '{}' WHERE seq = 3")

    result = admin.run("audit", "verify")

    assert result.returncode != 0
    assert "BROKEN at event 3" in result.stdout


def test_audit_head_prints_the_sequence_and_hash_of_the_newest_event(admin):
    with sqlite3.connect(admin.database) as conn:
        newest = conn.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC").fetchone()
    conn.close()

    plain = admin.run("audit", "head")
    as_json = admin.run("audit", "head", "--json")

    assert plain.returncode == 0, plain.stderr
    assert re.fullmatch(r"\d+ [0-9a-f]{64}\n", plain.stdout)
    assert plain.stdout.split() == [str(newest[0]), newest[1]]
    assert json.loads(as_json.stdout) == {"seq": newest[0], "hash": newest[1]}
