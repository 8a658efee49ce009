"""The webhook edge: every event kind accepted without a 5xx, and nothing lost in a crash."""

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from models.enums import Role
from models.messaging import InboxEvent, OutboxMessage
from tests.emulators import (
    LineEmulator,
    line_body,
    line_file_event,
    line_follow_event,
    line_group_text_event,
    line_image_event,
    line_join_event,
    line_location_event,
    line_postback_event,
    line_signature,
    line_sticker_event,
    line_text_event,
    line_unfollow_event,
    line_unsend_event,
    telegram_callback_update,
    telegram_edited_message_update,
    telegram_group_text_update,
    telegram_my_chat_member_update,
    telegram_photo_update,
    telegram_text_update,
)
from tests.harness import LINE_SECRET, LINE_TOKEN, ROOT

USER = "U" + "d" * 32


async def test_every_line_event_kind_is_accepted_and_follow_is_greeted(world):
    line = world.line
    events = [
        line_follow_event(USER, line=line),
        line_sticker_event(USER, line=line),
        line_location_event(USER, line=line),
        line_image_event(USER, "4688", line=line),
        line_file_event(USER, "4689", "a.pdf", 10, line=line),
        line_postback_event(USER, "approve:nonsense", line=line),
        line_unsend_event(USER, "4688"),
        line_unfollow_event(USER),
        line_join_event("C" + "1" * 32, line=line),
        line_group_text_event("C" + "1" * 32, USER, "สวัสดี", line=line),
        line_text_event(USER, "standby", mode="standby"),
        {
            "type": "somethingNew",
            "mode": "active",
            "timestamp": 1,
            "source": {"type": "user", "userId": USER},
            "webhookEventId": "01NEWKIND",
            "deliveryContext": {"isRedelivery": False},
        },
        {
            "type": "message",
            "timestamp": 1,
            "source": {"type": "user", "userId": USER},
            "replyToken": "x",
            "message": {"type": "text"},
        },  # an older shape without ids and text
        "not even an object",
    ]
    assert await world.post_line(*events) == 200
    await world.settle()
    texts = [m.text for m in line.messages(USER)]
    assert texts and "รหัส" in texts[0]  # the follow greeting explains enrolment
    assert await InboxEvent.filter(status="failed").count() == 0
    assert not await InboxEvent.filter(channel="line", event_id__contains="standby").exists()


async def test_every_telegram_update_kind_is_accepted(world):
    tg = world.tg
    updates = [
        telegram_edited_message_update(4100, "แก้ไข", 3, tg=tg),
        telegram_my_chat_member_update(4100, blocked=True, tg=tg),
        telegram_my_chat_member_update(4100, blocked=False, tg=tg),
        telegram_photo_update(4100, "AgACphoto", tg=tg),
        telegram_group_text_update(-100200, 4100, "สวัสดีกลุ่ม", tg=tg),
        telegram_callback_update(4100, "approve:nonsense", 1, tg=tg),
        {
            "update_id": 990001,
            "channel_post": {"message_id": 1, "date": 1, "chat": {"id": -1001, "type": "channel"}},
        },
        {
            "update_id": 990002,
            "poll": {"id": "1", "question": "?", "options": [], "total_voter_count": 0},
        },
        {"update_id": 990003, "message": {"message_id": 5, "date": 1}},  # no chat: unparseable
        {"update_id": 990004, "brand_new_kind": {"x": 1}},
    ]
    for update in updates:
        assert await world.post_telegram(update) == 200
    await world.settle()
    assert await InboxEvent.filter(status="failed").count() == 0
    assert tg.callback_answers, "a tapped button is always answered, even a stale one"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_healthy(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never came up")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_kill_9_between_accepting_and_replying_delivers_after_restart(db_url, tmp_path):
    line = LineEmulator(access_token=LINE_TOKEN)
    await line.start()
    line_port = int(line.url.rsplit(":", 1)[1])
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "WEBPUB_DATABASE_URL": db_url,
        "WEBPUB_DATA_DIR": str(tmp_path / "data"),
        "WEBPUB_ORG_FILE": str(ROOT / "org.example.toml"),
        "WEBPUB_PORT": str(port),
        "WEBPUB_LINE_CHANNEL_SECRET": LINE_SECRET,
        "WEBPUB_LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
        "WEBPUB_LINE_API_URL": line.url,
        "WEBPUB_LINE_DATA_API_URL": line.url,
    }
    webpub = str(Path(sys.executable).parent / "webpub")

    def start() -> subprocess.Popen:
        return subprocess.Popen([webpub, "serve"], env=env, cwd=tmp_path, stderr=subprocess.DEVNULL)

    server = start()
    try:
        await wait_healthy(f"http://127.0.0.1:{port}/healthz")
        await line.stop()  # the platform is unreachable: the reply cannot go out yet
        body = line_body(line_text_event(USER, "สวัสดี", line=line))
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"http://127.0.0.1:{port}/webhooks/line",
                data=body,
                headers={"x-line-signature": line_signature(body, LINE_SECRET)},
            ) as response:
                assert response.status == 200
        await asyncio.sleep(0.5)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        assert line.messages(USER) == []

        await line.start(port=line_port)
        server = start()
        for _ in range(200):
            if line.messages(USER):
                break
            await asyncio.sleep(0.05)
        delivered = line.messages(USER)
        assert len(delivered) == 1 and "รหัส" in delivered[0].text
    finally:
        server.kill()
        server.wait(10)
        await line.stop()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_telegram_file_over_20_mb_is_explained_not_fetched(db_url, tmp_path):
    from tests.emulators import telegram_document_update
    from tests.harness import running_world

    org = (
        (ROOT / "org.example.toml")
        .read_text(encoding="utf-8")
        .replace("max_size_mb = 20", "max_size_mb = 50")
    )
    (tmp_path / "org.toml").write_text(org, encoding="utf-8")
    async with running_world(db_url, tmp_path / "data", org_file=tmp_path / "org.toml") as world:
        staff = await world.enrol("ใหญ่", on="telegram")
        world.tg.add_file(
            "BQbig", b"%PDF-1.4 small", file_name="big.pdf", file_size=25 * 1024 * 1024
        )
        await staff.says("/new")
        await world.post_telegram(
            telegram_document_update(
                int(staff.user),
                "BQbig",
                "big.pdf",
                25 * 1024 * 1024,
                "application/pdf",
                tg=world.tg,
            )
        )
        await world.settle()
        assert any("20 MB" in t for t in staff.new_texts())
        assert not any(r.name == "getFile" for r in world.tg.requests)


async def test_telegram_long_polling_feeds_the_same_inbox(world):
    from bot.server import poll_telegram
    from models.enrol import create_invite
    from tests.emulators import telegram_command_update

    code = await create_invite(world.rt.org_id, Role.STAFF, "โพล", key=world.rt.secret_key)
    world.tg.queue_update(telegram_command_update(6060, "/start", code, tg=world.tg))
    world.tg.queue_update(telegram_text_update(6060, "/help", tg=world.tg))
    poller = asyncio.create_task(poll_telegram(world.client.server.app))
    try:
        for _ in range(200):
            if len(world.tg.messages(chat_id=6060)) >= 2:
                break
            await asyncio.sleep(0.02)
    finally:
        poller.cancel()
    texts = [m.plain for m in world.tg.messages(chat_id=6060)]
    assert len(texts) == 2 and "โพล" in texts[0] and "/new" in texts[1]


def _junk(rng, depth: int = 0):
    """A random JSON value: what a confused or hostile sender might put in a field."""
    kinds = ["str", "int", "none", "bool", "float"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return rng.choice(
            ["", "message", "postback", "text", "user", "ด่วน", "/start", "x" * 300, "\u0000", "😀"]
        )
    if kind == "int":
        return rng.choice([0, -1, 1, 2**63, 123456789])
    if kind == "float":
        return 1.5
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind == "list":
        return [_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = [
        "type",
        "message",
        "source",
        "text",
        "userId",
        "replyToken",
        "postback",
        "data",
        "id",
        "from",
        "chat",
    ]
    return {rng.choice(keys): _junk(rng, depth + 1) for _ in range(rng.randint(0, 5))}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_hostile_but_authentic_bodies_never_get_a_5xx(world):
    import random

    rng = random.Random(20261125)
    for _ in range(150):
        event = _junk(rng)
        if isinstance(event, dict) and rng.random() < 0.7:
            event.setdefault("type", rng.choice(["message", "postback", "follow", "memberJoined"]))
            event.setdefault("source", {"type": "user", "userId": "U" + "e" * 32})
        body = json.dumps({"destination": "U1", "events": [event]}).encode()
        status = await world.post_line(signature=line_signature(body, LINE_SECRET), raw=body)
        assert status in (200, 400)
        update = {
            "update_id": rng.randint(1, 10**9),
            rng.choice(["message", "callback_query", "x"]): _junk(rng),
        }
        assert await world.post_telegram(update) in (200, 400)
    await world.settle(within=30)
    assert await InboxEvent.filter(status="received").count() == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_hostile_answers_from_enrolled_people_never_break_a_flow(world):
    """Random commands, junk taps, replayed buttons and impossible dates, on both platforms: every
    event is handled (none fails) and every answer reaches the person (no dead letter)."""
    rng = random.Random(7)
    staff = await world.enrol("ฟัซ", on="line")
    tg = await world.enrol("ฟัซ2", on="telegram")
    await staff.says("/new")
    await tg.says("/new")
    words = [
        "/new",
        "/cancel",
        "/status",
        "/help",
        "/link",
        "ข้าม",
        "เสร็จแล้ว",
        "31/02/2569",
        "วันนี้",
        "1/1/2600",
        "ส่ง",
        "แก้ไข",
        "ด่วน",
        "x" * 6000,
        "\x00",
        "😀" * 3000,
        "https://a.b",
        "",
        " ",
        "30 วัน",
        "8",
    ]
    for _ in range(80):
        r = rng.random()
        if r < 0.4:
            w = rng.choice(words)
            await world.post_line(line_text_event(staff.user, w, line=world.line))
            await world.post_telegram(telegram_text_update(int(tg.user), w, tg=world.tg))
        elif r < 0.7:
            data = rng.choice(
                [
                    "ans:",
                    "ans:zzzz",
                    "approve:",
                    ":",
                    "menu:new",
                    "menu:x",
                    "resume:abc",
                    "x" * 299,
                    "claim:" + "a" * 10,
                ]
            )
            params = rng.choice(
                [
                    None,
                    {"date": "2026-13-45"},
                    {"date": "2027-01-01"},
                    {"time": "10:00"},
                    {"date": None},
                ]
            )
            await world.post_line(line_postback_event(staff.user, data, params, line=world.line))
            await world.post_telegram(
                telegram_callback_update(int(tg.user), data[:64], 1, tg=world.tg)
            )
        else:
            # a real button, tapped again and with odd dates
            for actor in (staff, tg):
                msgs = [m for m in actor.messages() if m["buttons"]]
                if msgs:
                    b = rng.choice(msgs[-1]["buttons"])
                    d = b.get("data") or b.get("callback_data")
                    if d:
                        await actor.taps_data(
                            d,
                            message=msgs[-1],
                            date=rng.choice([None, "2026-02-31", "2027-05-05", "1900-01-01"]),
                        )
    await world.settle(within=60)
    failed = await InboxEvent.filter(status="failed").count()
    assert failed == 0
    dead = await OutboxMessage.filter(status="dead").values_list(
        "last_error", "channel", flat=False
    )
    assert not dead, dead[:3]
