"""`webpub audit verify` proves the content too: an edited title, a swapped file, a cut chain."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.org_config import load_org_config
from core.runtime import Runtime
from intake.files import file_path
from models.audit import AuditEvent
from models.db import database
from models.directory import ensure_organization
from models.request import Attachment, Request
from models.seal import content_seal
from tests import records_kit as kit
from tests.console import ORG_EXAMPLE, Operator, copy_database, operator


@pytest.fixture(scope="module")
def published(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database and data directory with one request submitted, approved and published."""
    home = tmp_path_factory.mktemp("published")
    database_path = copy_database(sqlite_template, home / "webpub.sqlite3")

    async def seed() -> None:
        async with database(f"sqlite://{database_path}"):
            org = load_org_config(ORG_EXAMPLE)
            row = await ensure_organization(org)
            rt = Runtime(
                row.id, org, ZoneInfo("Asia/Bangkok"), "th", "http://x", home / "data", b"k" * 32
            )
            await kit.decided_by_button(rt, await kit.office(rt))

    asyncio.run(seed())
    return home


@pytest.fixture
def admin(published: Path, tmp_path: Path) -> Operator:
    shutil.copytree(published / "data", tmp_path / "data")
    return operator(
        tmp_path, copy_database(published / "webpub.sqlite3", tmp_path / "webpub.sqlite3")
    )


def sql(admin: Operator, statement: str, *params: object) -> list[tuple]:
    """Change or read the database behind the application's back, as an intruder could."""
    with sqlite3.connect(admin.database) as conn:
        rows = conn.execute(statement, params).fetchall()
    conn.close()
    return rows


def head(admin: Operator) -> str:
    seq, digest = sql(admin, "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")[0]
    return f"{seq}:{digest}"


async def test_sealed_events_carry_the_content_hash_and_each_files_sha256(rt):
    req = await kit.decided_by_button(rt, await kit.office(rt))
    [attachment] = await Attachment.filter(request_id=req.id)

    events = {e.kind: e.data for e in await AuditEvent.filter(request_id=req.id)}

    for kind in ("request.submit", "request.approve", "request.publish"):
        assert events[kind]["files"] == [attachment.sha256]
        assert len(events[kind]["content"]) == 64
    assert events["request.submit"]["content"] == events["request.publish"]["content"]
    # Changing the request afterwards would not match the seal: the hash covers the title.
    await Request.filter(id=req.id).update(title="อื่น")
    assert (await content_seal(await Request.get(id=req.id)))["content"] != events[
        "request.publish"
    ]["content"]


def test_audit_verify_is_ok_on_untouched_records_and_their_own_head(admin):
    result = admin.run("audit", "verify", "--expect-head", head(admin))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK") and "content matches" in result.stdout


def test_audit_verify_fails_after_the_title_is_edited_in_the_database(admin):
    sql(admin, "UPDATE request SET title = 'ประกาศที่ถูกแก้' WHERE ref = 'WP-2569-0001'")

    result = admin.run("audit", "verify")

    assert result.returncode == 1
    assert "CHANGED WP-2569-0001: the request's content differs" in result.stdout


def test_audit_verify_fails_after_a_stored_file_is_replaced(admin):
    [(sha,)] = sql(admin, "SELECT sha256 FROM attachment")
    file_path(admin.home / "data", sha).write_bytes(kit.pdf_bytes("ฉบับปลอม"))

    result = admin.run("audit", "verify")

    assert result.returncode == 1
    assert f"CHANGED WP-2569-0001: file {sha[:12]}… was replaced" in result.stdout


def test_audit_verify_fails_after_a_stored_file_is_deleted(admin):
    [(sha,)] = sql(admin, "SELECT sha256 FROM attachment")
    file_path(admin.home / "data", sha).unlink()

    result = admin.run("audit", "verify")

    assert result.returncode == 1 and "is missing from the data directory" in result.stdout


def test_audit_verify_with_an_older_head_catches_a_cut_tail(admin):
    checkpoint = head(admin)  # what the admins received in their daily checkpoint
    seq = int(checkpoint.split(":")[0])
    # The intruder removes the last two events and moves the head back so the chain still links.
    sql(admin, "DELETE FROM audit_event WHERE seq > ?", seq - 2)
    [(new_hash,)] = sql(admin, "SELECT hash FROM audit_event WHERE seq = ?", seq - 2)
    sql(admin, "UPDATE audit_head SET seq = ?, hash = ?", seq - 2, new_hash)

    alone = admin.run("audit", "verify")
    checked = admin.run("audit", "verify", "--expect-head", checkpoint)

    assert alone.returncode == 0, (
        alone.stdout
    )  # the chain alone cannot see it: why the head is kept
    assert checked.returncode == 1
    assert f"BROKEN at event {seq}: the expected head is missing" in checked.stdout


def test_audit_verify_with_a_head_of_another_hash_says_rewritten(admin):
    seq = head(admin).split(":")[0]

    result = admin.run("audit", "verify", "--expect-head", f"{seq}:{'0' * 64}")

    assert result.returncode == 1 and "the chain was rewritten" in result.stdout


def test_audit_verify_refuses_a_malformed_head(admin):
    result = admin.run("audit", "verify", "--expect-head", "42")

    assert result.returncode == 2 and "SEQ:HASH" in result.stderr
