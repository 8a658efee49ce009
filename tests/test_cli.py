"""The `webpub` command line, run as the real console script against a real database."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import procedure
from core.org_config import load_org_config
from core.runtime import Runtime
from models.db import database
from models.directory import ensure_organization
from models.enrol import CODE_ALPHABET, CODE_LENGTH
from models.enums import Role
from tests.console import ORG_EXAMPLE, Operator, copy_database, operator
from tests.factories import draft, person

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok, B.E. 2569
REF = "WP-2569-0001"
SERVE_START_TIMEOUT = 30  # seconds


@pytest.fixture(scope="module")
def office(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Operator:
    """A migrated database with an owner, an approver, a webmaster and one approved request."""
    home = tmp_path_factory.mktemp("office")
    admin = operator(home, copy_database(sqlite_template, home / "webpub.sqlite3"))
    asyncio.run(_approved_request(admin.database_url, home))
    return admin


async def _approved_request(database_url: str, home: Path) -> None:
    async with database(database_url):
        org = load_org_config(ORG_EXAMPLE)
        row = await ensure_organization(org)
        rt = Runtime(
            org_id=row.id,
            org=org,
            tz=ZoneInfo("Asia/Bangkok"),
            default_locale="th",
            public_url="http://127.0.0.1:8080",
            data_dir=home / "data",
            secret_key=b"k" * 32,
        )
        owner = await person(rt, "สมศรี ใจดี", unit="กองคลัง")
        palad = await person(rt, "ปลัดสมชาย", Role.APPROVER)
        await person(rt, "เว็บมาสเตอร์สมหมาย", Role.WEBMASTER)
        req = await draft(rt, owner, title="ประกาศรับสมัครงาน", urgent=True)
        await procedure.submit(rt, req.id, owner.id, now=NOW)
        await procedure.transition(rt, req.id, "approve", palad.id, now=NOW)


def test_cli_db_upgrade_twice_on_an_empty_file_second_says_up_to_date(tmp_path):
    admin = operator(tmp_path, tmp_path / "webpub.sqlite3")
    admin.database.touch()

    first = admin.run("db", "upgrade")
    second = admin.run("db", "upgrade")

    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("applied: 0001_initial")
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "database is up to date"


def test_cli_invite_prints_an_eight_character_code(office):
    result = office.run("invite", "--role", "approver", "--name", "ปลัดสมชาย")

    assert result.returncode == 0, result.stderr
    code = result.stdout.strip()
    assert len(code) == CODE_LENGTH == 8
    assert set(code) <= set(CODE_ALPHABET), code


def test_cli_invite_with_an_unknown_role_is_refused(office):
    result = office.run("invite", "--role", "mayor", "--name", "นายกเทศมนตรี")

    assert result.returncode == 2
    assert "invalid choice: 'mayor'" in result.stderr
    assert result.stdout == ""


def test_cli_people_list_json_shows_everyone_with_roles_and_platforms(office):
    result = office.run("people", "list", "--json")

    assert result.returncode == 0, result.stderr
    people = {p["name"]: p for p in json.loads(result.stdout)}
    assert set(people) == {"สมศรี ใจดี", "ปลัดสมชาย", "เว็บมาสเตอร์สมหมาย"}
    assert people["ปลัดสมชาย"]["roles"] == "staff,approver"
    assert people["สมศรี ใจดี"]["roles"] == "staff"
    assert people["สมศรี ใจดี"]["unit"] == "กองคลัง"
    assert {p["platforms"] for p in people.values()} == {"telegram"}


def test_cli_requests_list_json_shows_the_request_and_filters_by_status(office):
    everything = office.run("requests", "list", "--json")
    pending = office.run("requests", "list", "--status", "pending", "--json")

    assert everything.returncode == 0, everything.stderr
    [row] = json.loads(everything.stdout)
    assert (row["ref"], row["status"], row["title"]) == (REF, "approved", "ประกาศรับสมัครงาน")
    assert (row["owner"], row["category"], row["urgent"]) == ("สมศรี ใจดี", "public-relations", True)
    assert json.loads(pending.stdout) == []


def test_cli_requests_show_prints_the_fields_of_a_request(office):
    result = office.run("requests", "show", REF.lower())

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for expected in (
        f"ref: {REF}",
        "status: approved",
        "title: ประกาศรับสมัครงาน",
        "owner: สมศรี ใจดี",
        "owner_unit: กองคลัง",
        "category: public-relations",
        "publish_date: 2026-11-25",
        "urgent: True",
        "certified: True",
    ):
        assert expected in lines, f"{expected!r} missing from:\n{result.stdout}"
    assert any(line.startswith("  - name=ประกาศ.pdf, extension=pdf") for line in lines)
    assert any("action=approve, by=ปลัดสมชาย" in line for line in lines)
    assert any(line.startswith("  - kind=publish, status=open") for line in lines)


def test_cli_requests_show_json_matches_the_text(office):
    result = office.run("requests", "show", REF, "--json")

    detail = json.loads(result.stdout)
    assert (detail["ref"], detail["status"], detail["version"]) == (REF, "approved", 3)
    assert [d["action"] for d in detail["decisions"]] == ["approve"]


def test_cli_requests_show_of_an_unknown_reference_exits_1(office):
    result = office.run("requests", "show", "WP-2569-9999")

    assert result.returncode == 1
    assert "no request WP-2569-9999" in result.stderr
    assert result.stdout == ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthz(port: int) -> tuple[int, dict] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status, json.loads(response.read())
    except (urllib.error.URLError, ConnectionError):
        return None  # not listening yet


def test_cli_serve_answers_healthz(office, tmp_path):
    port = _free_port()
    admin = operator(
        tmp_path,
        copy_database(office.database, tmp_path / "webpub.sqlite3"),
        WEBPUB_HOST="127.0.0.1",
        WEBPUB_PORT=str(port),
    )
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            admin.command("serve"), env=admin.env, cwd=tmp_path, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + SERVE_START_TIMEOUT
        answer = None
        while answer is None and time.monotonic() < deadline:
            assert server.poll() is None, "serve exited:\n" + log_path.read_text()
            answer = _healthz(port)
            if answer is None:
                time.sleep(0.1)
        assert answer is not None, "no answer on /healthz:\n" + log_path.read_text()
        status, body = answer
        assert (status, body["status"]) == (200, "ok")
    finally:
        server.terminate()
        server.wait(10)
    # No credentials: the sandbox, whose first line is its address.
    first = log_path.read_text().splitlines()[0]
    assert re.search(rf"(listening on|sandbox:) http://127\.0\.0\.1:{port}", first)
    assert "Traceback" not in log_path.read_text()
