"""Throughput without disorder: several lanes keep each chat's order, replies go before
notifications, a platform's 429 is waited out and nothing is lost."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.pacing import ChatPacer, Gate
from core.events import Outgoing
from models.enums import OutboxStatus
from models.messaging import InboxEvent, OutboxMessage
from models.people import Identity, Person
from notices.outbox import enqueue_push
from tests.emulators import line_text_event, telegram_text_update

_examples = itertools.count(1)


@pytest.fixture
async def busy_world(world):
    """The world's inbox with three more lanes beside its own: four workers take events at
    once, on SQLite too (where one lane is the default)."""
    extra = [asyncio.create_task(world.inbox.run()) for _lane in range(3)]
    yield world
    for task in extra:
        task.cancel()
    await asyncio.gather(*extra, return_exceptions=True)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.integers(min_value=0, max_value=4), min_size=2, max_size=40),
    st.integers(min_value=1, max_value=12),
)
async def test_each_chat_gets_its_replies_in_its_own_order_with_several_lanes(
    busy_world, chats, burst
):
    """Any interleaving of messages from five chats, arriving `burst` webhooks at a time while
    four lanes handle them: every message answered once, each chat's answers in the order
    its messages were recorded."""
    world = busy_world
    example = next(_examples)
    users = [f"U{example:016x}{chat:016x}" for chat in range(5)]
    events = [line_text_event(users[c], f"hello {n}", line=world.line) for n, c in enumerate(chats)]
    for start in range(0, len(events), burst):
        statuses = await asyncio.gather(
            *(world.post_line(e) for e in events[start : start + burst])
        )
        assert set(statuses) == {200}
    await world.settle(within=30)
    for user in users:
        recorded = await InboxEvent.filter(chat_key=f"line:{user}").order_by("id")
        answered = [m.reply_token for m in world.line.messages(user)]
        assert answered == [row.payload["replyToken"] for row in recorded], "out of order"


async def test_two_instances_share_the_inbox_and_keep_each_chats_order(world):
    """A second instance on the same database (its own lanes, its own outbox worker): both
    take events, none is handled twice, each chat's answers stay in order."""
    from bot.attachments import StoredAttachments
    from bot.delivery import OutboxWorker
    from bot.inbox import InboxProcessor
    from bot.keys import CHANNELS, ROUTER

    app = world.client.server.app
    outbox = OutboxWorker(app[CHANNELS], StoredAttachments(world.rt), rt=world.rt)
    outbox.pacer = world.outbox.pacer
    second = InboxProcessor(world.rt, app[ROUTER], app[CHANNELS], outbox)
    running = [asyncio.create_task(second.run()), asyncio.create_task(outbox.run())]
    try:
        users = [f"U{n:032x}" for n in range(900, 906)]
        sent: dict[str, list[str]] = {user: [] for user in users}
        for n in range(60):
            user = users[(n * 7) % len(users)]
            event = line_text_event(user, f"hello {n}", line=world.line)
            sent[user].append(event["replyToken"])
            assert await world.post_line(event) == 200
            second.wakeup.set()
        await world.settle(within=30)
        await outbox.sent()
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    for user in users:
        answered = [m.reply_token for m in world.line.messages(user)]
        assert answered == sent[user], "answered twice, lost or out of order"
    assert second.handled > 0 and world.inbox.handled > 0
    assert second.handled + world.inbox.handled == 60


async def test_a_pasted_run_of_messages_is_answered_in_order(busy_world):
    """One person pasting twenty messages: all handled, each answer on its own token, in order."""
    world = busy_world
    user = "U" + "7" * 32
    events = [line_text_event(user, f"line {n}", line=world.line) for n in range(20)]
    statuses = await asyncio.gather(*(world.post_line(e) for e in events[:1]))
    for event in events[1:]:
        statuses.append(await world.post_line(event))
    assert statuses == [200] * 20
    await world.settle(within=30)
    answered = [m.reply_token for m in world.line.messages(user)]
    assert list(dict.fromkeys(answered)) == [e["replyToken"] for e in events]
    assert all(m.via == "reply" for m in world.line.messages(user))
    handled = await InboxEvent.filter(chat_key=f"line:{user}").values_list("status", flat=True)
    assert len(handled) == 20 and set(handled) == {"done"}


async def _people_on_telegram(world, count: int) -> list[Person]:
    people = []
    for n in range(count):
        person = await Person.create(org_id=world.rt.org_id, name=f"Reader {n}")
        chat = str(8_100_000 + n)
        await Identity.create(
            person_id=person.id, channel="telegram", platform_user_id=chat, chat_id=chat
        )
        people.append(person)
    return people


async def test_a_reply_overtakes_notifications_already_queued(world):
    """Twenty notifications wait for a slow platform (two a second); someone asks for /help
    meanwhile: their answer goes out before the queue, not after it."""
    asker = await world.enrol("Asker", on="telegram")
    world.outbox.limits["telegram"] = Gate(2)
    for person in await _people_on_telegram(world, 20):
        await enqueue_push(person, Outgoing(text=f"Morning digest for {person.name}"))
    world.outbox.wakeup.set()
    await asyncio.sleep(0.6)  # the worker has taken the queue and is sending it
    welcomed = len(world.tg.messages(int(asker.user)))
    await world.post_telegram(telegram_text_update(int(asker.user), "/help"))
    for _tick in range(500):  # up to 5 s; the queue alone would take 10
        if len(world.tg.messages(int(asker.user))) > welcomed:
            break
        await asyncio.sleep(0.01)
    assert len(world.tg.messages(int(asker.user))) > welcomed, "the answer did not come"
    digests = [m for m in world.tg.messages() if "Morning digest" in (m.text or "")]
    assert 1 <= len(digests) <= 6, f"{len(digests)} of 20 notifications went first"
    assert await OutboxMessage.exclude(status=OutboxStatus.SENT).count() >= 14


@pytest.fixture
async def quiet_world(db_url, tmp_path):
    """The bot without background workers: the test moves the clock and the outbox."""
    from tests.harness import running_world

    async with running_world(db_url, tmp_path / "data", workers=False) as world:
        yield world


async def test_a_429_on_a_reply_is_waited_out_and_the_chat_keeps_its_order(quiet_world):
    """Telegram answers a reply with 429 retry_after=20: nothing is sent to that chat again
    before 20 s (simulated), the next answer waits behind it, and both arrive, in order,
    with no failure counted."""
    world = quiet_world
    clock = {"now": datetime.now(UTC)}
    world.outbox.clock = lambda: clock["now"]
    world.outbox.pacer = ChatPacer(clock=lambda: clock["now"].timestamp())
    asker = await world.enrol("Asker", on="telegram", language="en")
    welcomed = len(world.tg.messages(int(asker.user)))
    world.tg.retry_after = 20
    world.tg.fail_next("429", paths=["sendMessage"])
    await world.post_telegram(telegram_text_update(int(asker.user), "/help"))
    await world.post_telegram(telegram_text_update(int(asker.user), "/status"))
    await world.pump(now=clock["now"])
    assert len(world.tg.messages(int(asker.user))) == welcomed, "sent again before retry_after"
    waiting = await OutboxMessage.filter(chat_id=asker.user, status=OutboxStatus.PENDING).order_by(
        "id"
    )
    assert [r.status for r in waiting] == [OutboxStatus.PENDING] * 2
    clock["now"] += timedelta(seconds=19)
    await world.pump(now=clock["now"])
    assert len(world.tg.messages(int(asker.user))) == welcomed
    for _step in range(3):
        clock["now"] += timedelta(seconds=1.5)
        await world.pump(now=clock["now"])
    texts = [m.text for m in world.tg.messages(int(asker.user))[welcomed:]]
    assert len(texts) == 2, texts
    assert texts[0].startswith("What you can do") and "no requests" in texts[1], texts
    assert [r.status for r in await OutboxMessage.filter(id__in=[r.id for r in waiting])] == [
        OutboxStatus.SENT
    ] * 2
    assert [r.failures for r in await OutboxMessage.filter(id__in=[r.id for r in waiting])] == [
        0,
        0,
    ]


async def test_line_client_reads_the_proxy_from_the_environment_once(monkeypatch):
    """The SDK's own session would look the proxy up on every request; ours takes it at start,
    and still honours NO_PROXY."""
    from bot.channels.line import _client

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.office.go.th:3128")
    monkeypatch.setenv("NO_PROXY", "api-data.line.me")
    api, data = (
        await _client("https://api.line.me", "t"),
        await _client("https://api-data.line.me", "t"),
    )
    try:
        assert api.rest_client.proxy == "http://proxy.office.go.th:3128"
        assert data.rest_client.proxy is None
        assert not api.rest_client.pool_manager.trust_env
    finally:
        await api.close()
        await data.close()


async def test_instances_on_one_database_split_the_telegram_limit(quiet_world):
    """Two instances on one database each send about half of Telegram's 30 a second; when one
    stops, the other takes the whole rate again at its next look (simulated clock)."""
    from bot.attachments import StoredAttachments
    from bot.delivery import OutboxWorker
    from bot.keys import CHANNELS

    world = quiet_world
    clock = {"now": datetime.now(UTC)}
    app = world.client.server.app
    first = world.outbox
    second = OutboxWorker(app[CHANNELS], StoredAttachments(world.rt), rt=world.rt)
    for worker in (first, second):
        worker.clock = lambda: clock["now"]
    for person in await _people_on_telegram(world, 80):
        await enqueue_push(person, Outgoing(text=f"Morning digest for {person.name}"))

    def digests() -> int:
        return sum("Morning digest" in (m.text or "") for m in world.tg.messages())

    assert await first.deliver_due(clock["now"]) == 29 and digests() == 29  # alone so far
    assert await second.deliver_due(clock["now"]) == 14  # two now: its share of a second
    clock["now"] += timedelta(seconds=11)
    assert await first.deliver_due(clock["now"]) == 14  # it has seen the other
    assert first.limits["telegram"].rate + second.limits["telegram"].rate <= 29
    await second.stop()
    clock["now"] += timedelta(seconds=11)
    await first.deliver_due(clock["now"])
    assert first.limits["telegram"].rate == 29  # the other signed off: the whole rate again
    while await first.deliver_due(clock["now"]):
        pass
    assert digests() == 80, "a notification was lost"


def test_the_telegram_gate_spreads_a_seconds_sends_across_the_second():
    """Three seconds of sends offered as fast as the gate lets them (simulated clock, 10 ms
    steps): the rate is kept, and they go out evenly, not thirty at the start of each second
    where a little delay on the way would put the thirty-first into Telegram's second."""
    clock = {"now": 0.0}
    gate = Gate(30, clock=lambda: clock["now"])
    passed = []
    for _step in range(300):
        while gate.try_take():
            passed.append(clock["now"])
        clock["now"] += 0.01

    assert len(passed) >= 87  # about 30 a second over the three
    for start in (0.01 * k for k in range(290)):
        assert sum(start <= t < start + 1.0 for t in passed) <= 30
        assert sum(start <= t < start + 0.1 for t in passed) <= 6, "bunched sends"


async def _left_sending(world, sender: str, seen_ago: float):
    """A notice a process claimed 5 s ago and died sending; its sender row seen `seen_ago`."""
    from models.messaging import OutboxSender

    reader = await world.enrol("Reader", on="line")
    person = await Person.get(id=reader.person_id)
    await enqueue_push(person, Outgoing(text="The notice on its way when the process died"))
    now = datetime.now(UTC)
    row = await OutboxMessage.filter(chat_id=reader.user).order_by("-id").first()
    await OutboxMessage.filter(id=row.id).update(
        status=OutboxStatus.SENDING, attempts=1, next_attempt_at=now - timedelta(seconds=5)
    )
    await OutboxSender.all().delete()  # the world's own worker (enrolment) plays no part here
    await OutboxSender.create(id=sender, seen_at=now - timedelta(seconds=seen_ago))
    return reader, row.id, now


def _worker(world, sender_id: str):
    from bot.attachments import StoredAttachments
    from bot.delivery import OutboxWorker
    from bot.keys import CHANNELS

    channels = world.client.server.app[CHANNELS]
    return OutboxWorker(channels, StoredAttachments(world.rt), rt=world.rt, sender_id=sender_id)


async def test_a_restarted_server_sends_at_once_what_its_previous_life_left_sending(quiet_world):
    """`webpub serve` keeps its name across a restart: the notice its killed predecessor left
    sending goes out at the new process's first round, not 40 s later."""
    reader, row_id, now = await _left_sending(quiet_world, "serve-on-this-address", seen_ago=5)
    worker = _worker(quiet_world, "serve-on-this-address")

    await worker.deliver_due(now)
    await worker.sent()

    assert any("process died" in m["text"] for m in reader.messages())
    assert (await OutboxMessage.get(id=row_id)).status == OutboxStatus.SENT


async def test_a_notice_another_live_server_is_sending_is_left_to_it(quiet_world):
    reader, row_id, now = await _left_sending(quiet_world, "another-live-server", seen_ago=2)
    worker = _worker(quiet_world, "serve-on-this-address")

    await worker.deliver_due(now)
    await worker.sent()

    assert not any("process died" in m["text"] for m in reader.messages())
    assert (await OutboxMessage.get(id=row_id)).status == OutboxStatus.SENDING


async def test_two_instances_keep_one_telegram_chats_pace_between_them(quiet_world):
    """Two instances on one database and three notices for one Telegram chat: the chat gets
    one a second, whichever instance sends it (simulated clock)."""
    world = quiet_world
    clock = {"now": datetime.now(UTC)}
    first, second = world.outbox, _worker(world, "second-instance")
    for worker in (first, second):
        worker.clock = lambda: clock["now"]
        worker.pacer = ChatPacer(clock=lambda: clock["now"].timestamp())
        await worker.deliver_due(clock["now"])  # each notes it is alive
    clock["now"] += timedelta(seconds=11)  # the next look: each has seen the other
    [reader] = await _people_on_telegram(world, 1)
    for n in range(3):
        await enqueue_push(reader, Outgoing(text=f"Notice {n}"))

    def notices() -> list[str]:
        return [m.text for m in world.tg.messages() if (m.text or "").startswith("Notice")]

    await first.deliver_due(clock["now"])
    await second.deliver_due(clock["now"])  # its own pacer has sent nothing to the chat
    assert notices() == ["Notice 0"]
    clock["now"] += timedelta(seconds=1.1)
    await second.deliver_due(clock["now"])
    await first.deliver_due(clock["now"])
    assert notices() == ["Notice 0", "Notice 1"]
    clock["now"] += timedelta(seconds=1.1)
    await first.deliver_due(clock["now"])
    assert notices() == ["Notice 0", "Notice 1", "Notice 2"]
