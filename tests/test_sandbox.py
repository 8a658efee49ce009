"""Sandbox mode: its own database and demo office, uploads on a fresh data folder, its guards."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.app import create_app
from bot.settings import SettingsError
from core.org_config import load_org_config
from locales import _, using_locale
from models.messaging import OutboxMessage
from tests.console import run_webpub, settings_env
from tests.harness import ROOT
from tests.sandbox_kit import free_port, sandbox_server, sandbox_settings

STAFF = "line:U" + "5a" * 16
APPROVER = "telegram:7000100"
PDF = (ROOT / "tests" / "sandbox_sample.pdf").read_bytes()


def thai(message: str) -> str:
    with using_locale("th"):
        return _(message)


def words(message: dict) -> str:
    """All a person reads in one phone message: text, flex texts, Telegram HTML, a file name."""
    if "line" in message:
        return str(message["line"])
    return " ".join(
        str(message.get(k, "")) for k in ("text", "html", "document", "file", "keyboard")
    )


class Phone:
    """One pretend phone on the sandbox page, driven over its HTTP interface."""

    def __init__(self, http: aiohttp.ClientSession, base: str, phone: str) -> None:
        self.http, self.base, self.phone = http, base, phone

    async def chat(self) -> list[dict]:
        async with self.http.get(f"{self.base}/sandbox/state") as response:
            return (await response.json())["chats"].get(self.phone, [])

    async def sends(self, **form) -> list[dict]:
        """Send, and what the bot said back (waits for it)."""
        before = len(await self.chat())
        data = aiohttp.FormData({"phone": self.phone})
        for key, value in form.items():
            if isinstance(value, tuple):
                data.add_field(key, value[1], filename=value[0], content_type="application/pdf")
            else:
                data.add_field(key, value)
        async with self.http.post(f"{self.base}/sandbox/send", data=data) as response:
            assert response.status == 200, await response.text()
            assert (await response.json())["webhook_status"] == 200
        for _attempt in range(300):
            chat = await self.chat()
            said = [m for m in chat[before:] if m["side"] == "bot"]
            if said:
                await asyncio.sleep(0.1)  # the rest of a batch
                return [m for m in (await self.chat())[before:] if m["side"] == "bot"]
            await asyncio.sleep(0.02)
        raise AssertionError(f"{self.phone} got no answer")


async def settled() -> None:
    """Until the outbox has delivered everything (the demo office's notices at the start)."""
    for _attempt in range(500):
        if not await OutboxMessage.filter(status__in=["pending", "sending"]).exists():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the outbox never emptied")


@pytest.fixture
async def sandbox(tmp_path):
    async with sandbox_server(tmp_path) as (base, app), aiohttp.ClientSession() as http:
        await settled()
        yield base, app, http


async def test_sandbox_starts_on_its_own_database_with_the_demo_office(sandbox, tmp_path):
    base, _app, http = sandbox
    async with http.get(f"{base}/sandbox") as response:
        assert response.status == 200
        page = await response.text()
    assert thai("webpub sandbox") in page
    assert (tmp_path / "sandbox" / "sandbox.sqlite3").is_file()
    async with http.get(f"{base}/sandbox/state") as response:
        state = await response.json()
    roles = {role for phone in state["phones"] for role in phone["roles"]}
    assert {"staff", "approver", "webmaster", "checker", "admin"} <= roles
    assert {p["platform"] for p in state["phones"] if "webmaster" in p["roles"]} == {
        "line",
        "telegram",
    }
    assert sorted(r["status"] for r in state["requests"]) == ["expired", "pending", "published"]
    approver = Phone(http, base, APPROVER)
    for _attempt in range(300):
        if "คู่มือการขอรับบริการ" in " ".join(words(m) for m in await approver.chat()):
            break  # the pending request's card reached the approver's Telegram
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("the approver never got the pending request's card")
    async with http.get(f"{base}/sandbox/static/sandbox.css") as response:
        assert "Sarabun-Regular.ttf" in await response.text()
    async with http.get(f"{base}/sandbox/fonts/Sarabun-Regular.ttf") as response:
        assert response.status == 200 and len(await response.read()) > 10_000


async def test_sandbox_upload_on_a_fresh_data_folder_reaches_the_bot(sandbox):
    base, _app, http = sandbox
    staff = Phone(http, base, STAFF)
    answer = await staff.sends(file=("ประกาศ.pdf", PDF))
    assert any("quickReply" in m["line"] for m in answer), "the bot asks the category next"
    chat = await staff.chat()
    mine = [m for m in chat if m["side"] == "me"]
    assert mine[-1]["file"]["name"] == "ประกาศ.pdf"
    async with http.get(base + mine[-1]["file"]["url"]) as response:
        assert await response.read() == PDF


async def test_sandbox_telegram_document_is_fetched_through_the_bot_api(sandbox):
    base, _app, http = sandbox
    approver = Phone(http, base, APPROVER)
    answer = await approver.sends(file=("คำสั่ง.pdf", PDF))
    assert answer and "keyboard" in answer[-1]


async def test_sandbox_invite_adds_a_phone_and_enrols_the_person(sandbox):
    base, _app, http = sandbox
    form = {"name": "มานี มีนา", "role": "staff", "platform": "telegram"}
    async with http.post(f"{base}/sandbox/invite", data=form) as response:
        phone = (await response.json())["phone"]
    new = Phone(http, base, phone)
    for _attempt in range(300):
        if any(m["side"] == "bot" for m in await new.chat()):
            break
        await asyncio.sleep(0.02)
    assert "มานี มีนา" in " ".join(words(m) for m in await new.chat())


async def test_sandbox_language_switch_changes_what_the_phone_is_told(sandbox):
    base, _app, http = sandbox
    async with http.post(
        f"{base}/sandbox/language", data={"phone": APPROVER, "locale": "en"}
    ) as response:
        assert response.status == 200
    answer = await Phone(http, base, APPROVER).sends(text="/help")
    assert "/new" in words(answer[0]) and "คำขอ" not in words(answer[0])


async def test_sandbox_clock_jumps_and_comes_back(sandbox):
    base, _app, http = sandbox
    async with http.post(f"{base}/sandbox/clock", data={"jump": "next-morning"}) as response:
        moved = await response.json()
    assert moved["clock"]["set"] and "08:30" in moved["clock"]["label"]
    async with http.post(f"{base}/sandbox/clock", data={"jump": "now"}) as response:
        assert not (await response.json())["clock"]["set"]
    async with http.post(f"{base}/sandbox/clock", data={"jump": "yesterday"}) as response:
        assert response.status == 400


def test_sandbox_refuses_to_start_beside_real_credentials(tmp_path):
    settings = sandbox_settings(tmp_path, sandbox=True, telegram_token="123:real")
    with pytest.raises(SettingsError, match="WEBPUB_TELEGRAM_TOKEN"):
        create_app(settings, load_org_config(settings.org_file))


def test_sandbox_listens_on_loopback_only_unless_told(tmp_path):
    settings = sandbox_settings(tmp_path, host="0.0.0.0")
    with pytest.raises(SettingsError, match="WEBPUB_SANDBOX_REMOTE"):
        create_app(settings, load_org_config(settings.org_file))
    allowed = sandbox_settings(tmp_path, host="0.0.0.0", sandbox_remote=True)
    create_app(allowed, load_org_config(allowed.org_file))


async def test_sandbox_page_is_absent_when_a_platform_is_configured(world):
    response = await world.client.get("/sandbox")
    assert response.status == 404


def test_serve_on_a_taken_port_says_so_in_one_line(tmp_path):
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        env = settings_env(WEBPUB_PORT=str(port), WEBPUB_ORG_FILE=str(ROOT / "org.example.toml"))
        result = run_webpub(tmp_path, env, "serve", timeout=30)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "WEBPUB_PORT" in result.stderr
    assert not (tmp_path / "var").exists(), "nothing started, nothing created"


def test_cli_outside_a_project_folder_says_where_it_looked_and_creates_nothing(tmp_path):
    for command in (["people", "list"], ["requests", "list"], ["audit", "verify"]):
        result = run_webpub(tmp_path, settings_env(), *command)
        assert result.returncode != 0
        where = str(Path(tmp_path).resolve() / "var" / "webpub.sqlite3")
        assert where in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
