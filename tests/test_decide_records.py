"""The check step's taps, and what the records say: `webpub delegate`, `webpub requests show`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import procedure
from core.events import Incoming
from core.org_config import load_org_config
from core.runtime import Runtime
from handlers.base import Context
from handlers.router import build_router, handle
from locales import using_locale
from models.db import database
from models.directory import ensure_organization
from models.enums import Role, Status, TaskStatus
from models.messaging import ButtonToken, OutboxMessage
from models.people import Person
from models.request import Decision, Request, Task
from tests.console import ORG_EXAMPLE, copy_database, operator
from tests.factories import draft, person
from tests.test_cli import _approved_request

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
PAGE = "https://www.mukdahancity.go.th/p"


async def _tap(rt: Runtime, who, token: ButtonToken) -> Context:
    """The person taps the button behind the token, through the router as the inbox does."""
    incoming = Incoming(
        channel="telegram",
        user="1",
        chat="1",
        event_id="e",
        kind="button",
        action=f"{token.action}:{token.token}",
    )
    ctx = Context(rt=rt, incoming=incoming, now=NOW, locale="th", person=who)
    await handle(build_router(), ctx)
    return ctx


async def _token(request_id: int, verb: str) -> ButtonToken:
    """The token behind a button of that verb in the newest message about the request."""
    rows = await OutboxMessage.filter(request_id=request_id).order_by("-id")
    for row in rows:
        for b in row.payload.get("buttons") or ():
            if b["action"].startswith(verb + ":"):
                return await ButtonToken.get(token=b["action"].partition(":")[2])
    raise AssertionError(f"no {verb} button")


async def test_check_step_checker_passes_then_sends_back_a_second_request(rt):
    checked = Runtime(
        **{
            **rt.__dict__,
            "org": rt.org.model_copy(
                update={"workflow": rt.org.workflow.model_copy(update={"check_step": True})}
            ),
        }
    )
    owner = await person(checked, "เจ้าของ")
    checker = await person(checked, "หัวหน้าฝ่ายแผน", Role.CHECKER)
    await person(checked, "ปลัด", Role.APPROVER)
    first = await draft(checked, owner)
    second = await draft(checked, owner, title="ประกาศที่สอง")
    for req in (first, second):
        await procedure.submit(checked, req.id, owner.id, now=NOW)
    assert (await Request.get(id=first.id)).status == Status.CHECKING

    with using_locale("th"):
        refused = await _tap(checked, owner, await _token(first.id, "pass"))
        assert (await Request.get(id=first.id)).status == Status.CHECKING  # staff: refused
        assert "ผู้ตรวจสอบ" in refused.notice and refused.replies[0].text == refused.notice
        await _tap(checked, checker, await _token(first.id, "pass"))
        assert (await Request.get(id=first.id)).status == Status.PENDING
        await _tap(checked, checker, await _token(second.id, "send_back"))
        reason = await ButtonToken.filter(action="reason", request_id=second.id).first()
        await _tap(checked, checker, reason)
    sent_back = await Request.get(id=second.id)
    assert sent_back.status == Status.REJECTED
    decision = await Decision.get(request_id=second.id, action="send_back")
    assert (decision.person_id, decision.reason_code) == (checker.id, "mission")


def _office(sqlite_template: Path, home: Path):
    admin = operator(home, copy_database(sqlite_template, home / "webpub.sqlite3"))
    asyncio.run(_approved_request(admin.database_url, home))
    return admin


def test_cli_delegate_names_an_acting_approver_and_lists_it(sqlite_template, tmp_path):
    admin = _office(sqlite_template, tmp_path)
    made = admin.run(
        "delegate", "--to", "เว็บมาสเตอร์", "--from", "2026-12-01", "--until", "15/12/2569", "--json"
    )
    assert made.returncode == 0, made.stderr
    [row] = json.loads(made.stdout)
    assert (row["acting"], row["for"]) == ("เว็บมาสเตอร์สมหมาย", "ปลัดสมชาย")
    assert (row["from"], row["until"]) == ("2026-12-01", "2026-12-15")
    unknown = admin.run(
        "delegate", "--to", "ไม่มีใคร", "--from", "2026-12-01", "--until", "2026-12-02"
    )
    assert unknown.returncode == 1 and "ไม่มีใคร" in unknown.stdout
    ended = admin.run("delegate", "--end")
    assert ended.returncode == 0 and "1" in ended.stdout


def test_cli_requests_show_has_decisions_how_and_the_task_history(sqlite_template, tmp_path):
    admin = _office(sqlite_template, tmp_path)

    async def publish() -> None:
        async with database(admin.database_url):
            org = load_org_config(ORG_EXAMPLE)
            row = await ensure_organization(org)
            rt = Runtime(
                row.id, org, ZoneInfo("Asia/Bangkok"), "th", "http://x", tmp_path, b"k" * 32
            )
            req = await Request.get(ref="WP-2569-0001")
            webmaster = await Person.get(name="เว็บมาสเตอร์สมหมาย")
            await Task.filter(request_id=req.id).update(
                status=TaskStatus.CLAIMED, claimed_by_id=webmaster.id, claimed_at=NOW
            )
            await procedure.transition(rt, req.id, "publish", webmaster.id, now=NOW, url=PAGE)

    asyncio.run(publish())
    shown = admin.run("requests", "show", "WP-2569-0001", "--json")
    assert shown.returncode == 0, shown.stderr
    detail = json.loads(shown.stdout)
    assert [(d["action"], d["by"], d["how"]) for d in detail["decisions"]] == [
        ("approve", "ปลัดสมชาย", "button")
    ]
    assert [t["status"] for t in detail["tasks"]] == ["done"]
    events = [h["event"] for h in detail["history"]]
    assert events == ["request.submit", "request.approve", "request.publish"]
    assert detail["history"][-1]["url"] == PAGE
