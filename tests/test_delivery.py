"""Delivery under faults: everything arrives, nothing twice on LINE, order kept per chat."""

import asyncio
import re

from bot.keys import OUTBOX
from core.events import Outgoing
from models.enums import Channel, OutboxStatus
from models.messaging import OutboxMessage
from models.people import Identity, Person
from notices.outbox import enqueue_push, enqueue_reply

CHATS_PER_PLATFORM = 10
NOTICES = 500


async def wait_until_delivered(within: float = 90.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        left = await OutboxMessage.filter(
            status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]
        ).count()
        if not left:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{left} messages still undelivered")


async def make_people(world, n: int) -> list[Person]:
    people = []
    for i in range(n):
        channel = Channel.LINE if i % 2 == 0 else Channel.TELEGRAM
        person = await Person.create(org_id=world.rt.org_id, name=f"p{i}")
        user = f"U{i + 1:032x}" if channel == Channel.LINE else str(9000 + i)
        await Identity.create(
            person_id=person.id, channel=channel, platform_user_id=user, chat_id=user
        )
        people.append(person)
    return people


async def test_delivery_with_thirty_percent_faults_loses_nothing_and_keeps_order(world):
    world.client.server.app[OUTBOX].send_timeout = 0.4
    world.line.faults(0.3, ("500", "429", "timeout"), seed=7, after_accept=0.5, timeout_seconds=0.6)
    world.tg.faults(0.3, ("500", "429", "timeout"), seed=8, after_accept=0.0, timeout_seconds=0.6)
    world.tg.retry_after = 1
    people = await make_people(world, 2 * CHATS_PER_PLATFORM)
    for n in range(NOTICES):
        await enqueue_push(people[n % len(people)], Outgoing(text=f"notice #{n}"))
    world.client.server.app[OUTBOX].wakeup.set()
    await wait_until_delivered()

    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == NOTICES
    line_texts = [m.text or "" for m in world.line.messages()]
    tg_texts = [m.plain or "" for m in world.tg.messages()]
    strays = [t for t in line_texts + tg_texts if not re.search(r"#\d+", t)]
    assert not strays, f"messages that are not the notices: {strays[:3]}"
    line_numbers = [int(re.search(r"#(\d+)", t).group(1)) for t in line_texts]
    assert sorted(line_numbers) == sorted(set(line_numbers)), "a LINE message arrived twice"
    arrived = set(line_numbers) | {int(re.search(r"#(\d+)", t).group(1)) for t in tg_texts}
    assert arrived == set(range(NOTICES))
    for person_index in range(len(people)):
        chat_numbers = [n for n in line_numbers if n % len(people) == person_index]
        assert chat_numbers == sorted(chat_numbers), "order per chat broken"
    assert any(r.fault for r in world.line.requests) and any(r.fault for r in world.tg.requests)


async def test_expired_reply_token_falls_back_to_one_push(world):
    user = "U" + "c" * 32
    token = world.line.new_reply_token(user)
    world.line.expire_reply_tokens()
    await enqueue_reply("line", user, Outgoing(text="ตอบกลับ"), reply_token=token)
    world.client.server.app[OUTBOX].wakeup.set()
    await wait_until_delivered(10)
    delivered = world.line.messages(user)
    assert [(m.via, m.text) for m in delivered] == [("push", "ตอบกลับ")]
    row = await OutboxMessage.get()
    assert row.status == OutboxStatus.SENT and row.used_push


async def test_refused_push_is_dead_lettered_not_retried_forever(world):
    world.tg.block(31337)
    person = await Person.create(org_id=world.rt.org_id, name="blocked")
    await Identity.create(
        person_id=person.id, channel="telegram", platform_user_id="31337", chat_id="31337"
    )
    await enqueue_push(person, Outgoing(text="hello"))
    world.client.server.app[OUTBOX].wakeup.set()
    await wait_until_delivered(10)
    row = await OutboxMessage.get()
    assert row.status == OutboxStatus.DEAD and "blocked" in row.last_error.lower()
    assert row.attempts == 1


async def test_dead_letters_are_listed_by_the_webpub_command(world, tmp_path):
    import json

    from tests.console import run_webpub, settings_env

    if not world.settings.database_url.startswith("sqlite"):
        return  # the command reads the same database; one engine is enough to show it
    person = await Person.create(org_id=world.rt.org_id, name="gone")
    await Identity.create(
        person_id=person.id, channel="telegram", platform_user_id="31338", chat_id="31338"
    )
    world.tg.block(31338)
    await enqueue_push(person, Outgoing(text="you will not get this"))
    world.client.server.app[OUTBOX].wakeup.set()
    await wait_until_delivered(10)
    env = settings_env(
        WEBPUB_DATABASE_URL=world.settings.database_url,
        WEBPUB_ORG_FILE=str(world.settings.org_file),
    )
    out = await asyncio.to_thread(run_webpub, tmp_path, env, "outbox", "list", "--json")
    (row,) = json.loads(out.stdout)
    assert (
        row["status"] == "dead"
        and row["chat_id"] == "31338"
        and "blocked" in row["last_error"].lower()
    )


async def test_metrics_count_webhooks_and_show_outbox_depth(world):
    from tests.emulators import telegram_text_update

    await world.post_telegram(telegram_text_update(4321, "hi", tg=world.tg))
    await world.post_telegram(telegram_text_update(4321, "hi"), secret="forged")
    await world.settle()
    response = await world.client.get("/metrics")
    text = await response.text()
    assert response.status == 200
    assert 'webpub_webhooks_total{channel="telegram",outcome="ok"} 1.0' in text
    assert 'webpub_webhooks_total{channel="telegram",outcome="401"} 1.0' in text
    assert 'webpub_outbox_depth{status="pending"} 0.0' in text
    assert "webpub_webhook_seconds_bucket" in text


async def test_when_line_pushes_run_out_people_on_both_platforms_get_telegram(world):
    world.line.monthly_quota, world.line.quota_used = 300, 300
    both = await Person.create(org_id=world.rt.org_id, name="ทั้งสอง", notify_channel="line")
    await Identity.create(
        person_id=both.id, channel="line", platform_user_id="U" + "9" * 32, chat_id="U" + "9" * 32
    )
    await Identity.create(
        person_id=both.id, channel="telegram", platform_user_id="7070", chat_id="7070"
    )
    only_line = await Person.create(org_id=world.rt.org_id, name="ไลน์อย่างเดียว")
    await Identity.create(
        person_id=only_line.id,
        channel="line",
        platform_user_id="U" + "8" * 32,
        chat_id="U" + "8" * 32,
    )
    await enqueue_push(both, Outgoing(text="คำขออนุมัติแล้ว"))
    await enqueue_push(only_line, Outgoing(text="คำขออนุมัติแล้ว"))
    world.client.server.app[OUTBOX].wakeup.set()
    await wait_until_delivered(10)
    assert [m.plain for m in world.tg.messages(chat_id=7070)] == ["คำขออนุมัติแล้ว"]
    dead = await OutboxMessage.get(person_id=only_line.id)
    assert dead.status == OutboxStatus.DEAD and "monthly limit" in dead.last_error
