"""Secrets stay secret: not in the log, not guessable from the token, not empty; bodies that
would break a parser answer 400."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat

import pytest

from bot.boot import derive_secret
from bot.secrets import TELEGRAM_SECRET_FILE
from bot.settings import SettingsError
from models.enums import Role, Status
from models.request import Request
from tests.emulators import line_signature, telegram_text_update
from tests.harness import LINE_SECRET, LINE_TOKEN, TG_SECRET, TG_TOKEN, running_world
from tests.test_decide_publish import put_online
from tests.test_submit_flow import submit_everything


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_whole_lifecycle_logs_at_info_without_any_token_or_secret(db_url, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    async with running_world(db_url, tmp_path / "data") as world:
        owner = await world.enrol("สมศรี", on="line")
        palad = await world.enrol("ปลัดไพศาล", Role.APPROVER, on="telegram")
        webmaster = await world.enrol("วิรัช", Role.WEBMASTER, on="telegram")
        await submit_everything(owner)
        await palad.taps("อนุมัติ")
        await webmaster.taps("รับงาน")
        await webmaster.taps("เผยแพร่แล้ว")
        req = await Request.get(owner_id=owner.person_id)
        await webmaster.says(await put_online(world, req))
        assert (await Request.get(id=req.id)).status == Status.PUBLISHED
        logging.getLogger("bot.test").warning("retry with Bearer %s failed", LINE_TOKEN)
    log = caplog.text
    assert "sendMessage" in log  # the HTTP client did log every call (the URL carries the token)
    for secret in (TG_TOKEN, TG_SECRET, LINE_TOKEN, LINE_SECRET):
        assert secret not in log
    assert "[redacted]" in log


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_without_a_configured_secret_one_derived_from_the_token_is_refused(db_url, tmp_path):
    data = tmp_path / "data"
    async with running_world(db_url, data, telegram_secret_token=None) as world:
        update = telegram_text_update(5000999, "/help", tg=world.tg)
        derived = hashlib.sha256(f"webpub:{TG_TOKEN}".encode()).hexdigest()[:48]
        assert await world.post_telegram(update, secret=derived) == 401
        kept = (data / TELEGRAM_SECRET_FILE).read_text()
        assert len(kept) >= 32 and TG_TOKEN not in kept
        assert stat.S_IMODE(os.stat(data / TELEGRAM_SECRET_FILE).st_mode) == 0o600
        assert await world.post_telegram(update, secret=kept) == 200
        await world.restart()  # the same secret after a restart: Telegram keeps sending it
        assert await world.post_telegram(update, secret=kept) == 200


async def test_set_webhook_registers_the_kept_secret(tmp_path):
    from tests.emulators import TelegramEmulator
    from tests.test_cli_platforms import webpub

    async with TelegramEmulator(token=TG_TOKEN) as tg:
        env = {
            "WEBPUB_TELEGRAM_TOKEN": TG_TOKEN,
            "WEBPUB_TELEGRAM_API_URL": f"{tg.url}/bot",
            "WEBPUB_DATA_DIR": str(tmp_path / "data"),
        }
        code, _out, err = await webpub(tmp_path, env, "db", "upgrade")  # set-webhook reads people
        assert code == 0, err
        code, _out, err = await webpub(
            tmp_path,
            env,
            "telegram",
            "set-webhook",
            "https://webpub.example.go.th/webhooks/telegram",
        )
        assert code == 0, err
        assert tg.webhook.secret_token == (tmp_path / "data" / TELEGRAM_SECRET_FILE).read_text()


def test_secret_key_is_made_once_with_mode_0600(tmp_path):
    first = derive_secret(None, tmp_path)
    assert len(first) == 32 and derive_secret(None, tmp_path) == first
    assert stat.S_IMODE(os.stat(tmp_path / "secret.key").st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]  # no temporary file left


@pytest.mark.parametrize("content", [b"", b"\x01" * 7], ids=["empty", "short"])
def test_an_empty_or_short_secret_key_stops_the_start_clearly(tmp_path, content):
    (tmp_path / "secret.key").write_bytes(content)
    with pytest.raises(SettingsError, match=f"holds {len(content)} bytes"):
        derive_secret(None, tmp_path)


async def test_webpub_refuses_to_start_on_an_empty_secret_key(tmp_path):
    from tests.test_cli_platforms import webpub

    data = tmp_path / "data"
    data.mkdir()
    (data / "secret.key").write_bytes(b"")
    env = {"WEBPUB_DATA_DIR": str(data), "WEBPUB_DATABASE_URL": f"sqlite://{tmp_path}/db.sqlite3"}
    code, _out, err = await webpub(tmp_path, env, "db", "upgrade")
    assert code == 2
    assert "secret.key holds 0 bytes" in err and "Traceback" not in err


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("depth", [40, 100_000])
async def test_deeply_nested_bodies_answer_400_on_both_platforms(world, depth):
    line_body = f'{{"destination": "U1", "events": [{{"type": "message", "x": {nested(depth)}}}]}}'
    body = line_body.encode()
    assert await world.post_line(signature=line_signature(body, LINE_SECRET), raw=body) == 400
    update = f'{{"update_id": 7, "message": {{"x": {nested(depth)}}}}}'.encode()
    assert await world.post_telegram(update) == 400
    ok = json.dumps({"update_id": 8, "message": {"a": {"b": {"c": [1, [2, [3]]]}}}}).encode()
    assert await world.post_telegram(ok) == 200
