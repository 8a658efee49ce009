"""Sandbox mode: with no platform credentials the bot can be tried in a browser."""

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Settings
from core.org_config import load_org_config
from models.enrol import create_invite
from models.enums import Role
from tests.harness import ROOT


async def conversation(client: TestClient, user: str) -> list[dict]:
    response = await client.get("/sandbox/messages", params={"user": user})
    return await response.json()


async def said(client: TestClient, user: str, **form: str) -> list[str]:
    before = len(await conversation(client, user))
    await client.post("/sandbox/send", data={"user": user, **form})
    for _ in range(200):
        rows = await conversation(client, user)
        if len(rows) > before and all(r["status"] == "sent" for r in rows):
            return [r["text"] for r in rows[before:]]
        await asyncio.sleep(0.02)
    raise AssertionError("the sandbox did not answer")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_sandbox_enrols_and_starts_a_request_in_the_browser(db_url, tmp_path):
    settings = Settings(
        _env_file=None, database_url=db_url, data_dir=tmp_path, org_file=ROOT / "org.example.toml"
    )
    assert settings.sandbox_mode
    app = create_app(settings, load_org_config(settings.org_file), scheduler=False)
    async with TestClient(TestServer(app)) as client:
        page = await client.get("/sandbox")
        assert page.status == 200 and "webpub sandbox" in await page.text()
        from bot.keys import RUNTIME

        code = await create_invite(app[RUNTIME].org_id, Role.STAFF, "ทดลอง", key=app[RUNTIME].secret_key)
        welcome = await said(client, "tester", text=f"/start {code}")
        assert any("ทดลอง" in t for t in welcome)
        asked = await said(client, "tester", text="/new")
        rows = await conversation(client, "tester")
        assert asked and rows[-1]["buttons"], "the category question comes with buttons"
        await said(client, "tester", action=rows[-1]["buttons"][7]["action"])
        assert "ชื่อเรื่อง" in (await conversation(client, "tester"))[-1]["text"]


async def test_sandbox_page_is_absent_when_a_platform_is_configured(world):
    response = await world.client.get("/sandbox")
    assert response.status == 404
