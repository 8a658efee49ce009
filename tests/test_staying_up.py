"""The server under a database that stays shut, and the events it could not handle at once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp
import pytest

from models.enums import InboxStatus, OutboxStatus
from models.messaging import InboxEvent, OutboxMessage
from tests.emulators import LineEmulator, line_body, line_signature, line_text_event
from tests.harness import LINE_SECRET, LINE_TOKEN

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WriteLock:
    """Another connection (as another process would) holding SQLite's write lock."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.release = threading.Event()
        self.taken = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        conn.execute("BEGIN IMMEDIATE")
        self.taken.set()
        self.release.wait()
        conn.rollback()
        conn.close()

    def __enter__(self) -> WriteLock:
        self.thread.start()
        self.taken.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(10)


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    async with session.get(url) as response:
        return response.status, await response.json(), time.monotonic() - started


async def post_line(session: aiohttp.ClientSession, base: str, body: bytes) -> tuple[int, float]:
    started = time.monotonic()
    async with session.post(
        f"{base}/webhooks/line",
        data=body,
        headers={"x-line-signature": line_signature(body, LINE_SECRET)},
    ) as response:
        return response.status, time.monotonic() - started


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_write_lock_held_20_s_gets_503s_no_hang_then_every_event_handled(db_url, tmp_path):
    line = LineEmulator(access_token=LINE_TOKEN)
    await line.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
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
    users = [f"U{n:032x}" for n in range(0xA1, 0xA4)]
    bodies = [line_body(line_text_event(u, "สวัสดี", line=line)) for u in users]
    path = db_url.removeprefix("sqlite://")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
            for _ in range(200):
                try:
                    if (await get(session, f"{base}/healthz"))[0] == 200:
                        break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
            held_from = time.monotonic()
            with WriteLock(path):
                refused = [await post_line(session, base, body) for body in bodies]
                status, health, took = await get(session, f"{base}/healthz")
                assert status == 503 and health["reason"] == "database locked", health
                assert took < 4
                while time.monotonic() - held_from < 20:
                    await asyncio.sleep(0.5)
                    status, _health, took = await get(session, f"{base}/healthz")
                    assert status == 503 and took < 4
            assert [s for s, _t in refused] == [503, 503, 503]
            assert all(t < 2.5 for _s, t in refused), refused  # inside LINE's 2 seconds
            for _ in range(100):
                if (await get(session, f"{base}/healthz"))[0] == 200:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the server did not come back after the lock was released")
            # The platform sends the refused events again; each is handled once.
            assert [(await post_line(session, base, body))[0] for body in bodies] == [200] * 3
            for _ in range(200):
                if all(line.messages(u) for u in users):
                    break
                await asyncio.sleep(0.05)
            assert [len(line.messages(u)) for u in users] == [1, 1, 1]
            assert all("รหัส" in line.messages(u)[0].text for u in users)

            with WriteLock(path):
                await post_line(session, base, bodies[0])
                stopping = time.monotonic()
                server.send_signal(signal.SIGTERM)
                server.wait(12)
                assert time.monotonic() - stopping < 10
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
        await line.stop()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_two_second_database_fault_during_a_dialog_step_is_waited_out(db_url, tmp_path):
    from tests.harness import running_world

    async with running_world(db_url, tmp_path / "data", workers=False) as world:
        staff = await world.enrol("สมศรี", on="line")
        await staff.says("/new")
        assert "หมวด" in staff.last_text
        staff.new_texts()
        world.inbox.patience = 0.3  # a handler waits this long for the lock, then puts off
        await world.post_line(line_text_event(staff.user, "ยกเลิก", line=world.line))
        started = time.monotonic()
        with WriteLock(db_url.removeprefix("sqlite://")) as lock:
            threading.Timer(2.0, lock.release.set).start()
            await world.inbox.process_batch()
        event = await InboxEvent.all().order_by("-id").first()
        assert event.status == InboxStatus.RECEIVED and event.attempts == 1
        assert "locked" in event.error
        assert time.monotonic() - started >= 2.0
        while await InboxEvent.filter(status=InboxStatus.RECEIVED).exists():
            await asyncio.sleep(0.2)
            await world.pump()
        event = await InboxEvent.get(id=event.id)
        assert event.status == InboxStatus.DONE and event.attempts == 2
        answers = staff.new_texts()
        assert answers and "ยกเลิก" in answers[-1]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_retry_commands_bring_back_dead_messages_and_failed_events(world, tmp_path):
    from core.events import Outgoing
    from models.people import Identity, Person
    from notices.outbox import enqueue_push
    from tests.console import run_webpub, settings_env
    from tests.emulators import telegram_text_update

    env = settings_env(
        WEBPUB_DATABASE_URL=world.settings.database_url,
        WEBPUB_ORG_FILE=str(world.settings.org_file),
    )
    person = await Person.create(org_id=world.rt.org_id, name="away")
    await Identity.create(
        person_id=person.id, channel="telegram", platform_user_id="31339", chat_id="31339"
    )
    world.tg.block(31339)
    await enqueue_push(person, Outgoing(text="ส่งอีกครั้ง"))
    world.outbox.wakeup.set()
    await world.settle()
    assert (await OutboxMessage.get()).status == OutboxStatus.DEAD
    world.tg.unblock(31339)
    out = await asyncio.to_thread(run_webpub, tmp_path, env, "outbox", "retry", "--dead")
    assert out.returncode == 0 and "1 message" in out.stdout
    await world.settle()
    assert [m.plain for m in world.tg.messages(chat_id=31339)] == ["ส่งอีกครั้ง"]

    update = telegram_text_update(31340, "/help", tg=world.tg)
    await InboxEvent.create(
        channel="telegram",
        event_id=str(update["update_id"]),
        payload=update,
        status=InboxStatus.FAILED,
        error="RuntimeError: a bug fixed since",
    )
    listed = await asyncio.to_thread(run_webpub, tmp_path, env, "inbox", "list", "--json")
    (row,) = json.loads(listed.stdout)
    assert row["status"] == "failed" and "fixed since" in row["error"]
    out = await asyncio.to_thread(run_webpub, tmp_path, env, "inbox", "retry", "--failed")
    assert out.returncode == 0 and "1 event" in out.stdout
    world.inbox.wakeup.set()
    await world.settle()
    assert (await InboxEvent.get(event_id=str(update["update_id"]))).status == InboxStatus.DONE
    assert world.tg.messages(chat_id=31340), "the replayed event was not answered"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_read_only_database_says_so_once_tells_the_admins_once_and_recovers(world):
    from tortoise import Tortoise

    from models.enums import Role

    admin = await world.enrol("ผู้ดูแล", Role.ADMIN, on="telegram")
    user = "U" + "d" * 32
    first = line_text_event(user, "สวัสดี", line=world.line)
    second = line_text_event(user, "ขอเผยแพร่ข้อมูล", line=world.line)
    connection = Tortoise.get_connection("default")
    await connection.execute_script("PRAGMA query_only = 1")  # as a read-only file would
    try:
        assert await world.post_line(first) == 503
        assert await world.post_line(second) == 503
        response = await world.client.get("/healthz")
        assert response.status == 503
        assert (await response.json())["reason"] == "database read-only"
        told = [m.text for m in world.line.messages(user)]
        assert len(told) == 1 and "ยังรับคำขอใหม่ไม่ได้" in told[0]
        (alert,) = admin.new_texts()
        assert "เขียนฐานข้อมูลไม่ได้ (read-only)" in alert
    finally:
        await connection.execute_script("PRAGMA query_only = 0")
    assert (await world.client.get("/healthz")).status == 200
    assert await world.post_line(first) == 200  # the platform sends them again
    assert await world.post_line(second) == 200
    await world.settle()
    answers = [m.text for m in world.line.messages(user)][1:]
    assert len(answers) == 2 and all("รหัส" in a for a in answers)
    assert admin.new_texts() == []


async def test_telegram_send_without_an_answer_is_recorded_as_maybe_sent(world):
    from core.events import Outgoing
    from models.people import Identity, Person
    from notices.outbox import enqueue_push

    person = await Person.create(org_id=world.rt.org_id, name="maybe")
    await Identity.create(
        person_id=person.id, channel="telegram", platform_user_id="31341", chat_id="31341"
    )
    world.outbox.send_timeout = 0.4
    world.tg.fail_next("timeout", after_accept=True, timeout_seconds=1.0, paths=["sendMessage"])
    await enqueue_push(person, Outgoing(text="อาจได้รับสองครั้ง"))
    world.outbox.wakeup.set()
    for _ in range(100):  # the second try waits out its backoff (under a second)
        await world.settle()
        if (await OutboxMessage.get()).status == OutboxStatus.SENT:
            break
        await asyncio.sleep(0.05)
    row = await OutboxMessage.get()
    # Telegram has no duplicate suppression: the resend is honest about what may have happened.
    assert row.status == OutboxStatus.SENT and row.maybe_sent and row.attempts == 2
    assert [m.plain for m in world.tg.messages(chat_id=31341)] == ["อาจได้รับสองครั้ง"] * 2


async def test_telegram_failing_at_start_does_not_stop_the_server(world):
    from tests.emulators import telegram_text_update

    world.tg.fail_next("500", paths=["getMe"])
    await world.restart()
    assert (await world.client.get("/healthz")).status == 200
    assert await world.post_telegram(telegram_text_update(31342, "/help", tg=world.tg)) == 200
    await world.settle()
    assert world.tg.messages(chat_id=31342), "nothing answered after a failed getMe at start"
    assert any(r.fault == "500" and "getMe" in r.path for r in world.tg.requests)
