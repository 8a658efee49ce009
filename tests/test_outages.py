"""Platform outages outlasted: a clock the outbox reads, the emulators answering 500 meanwhile."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.pacing import ChatPacer, Gate
from core.events import Outgoing
from locales import using_locale
from models.enums import Channel, OutboxStatus, Role
from models.messaging import OutboxMessage
from models.people import Identity, Person, RoleAssignment
from notices.outbox import enqueue_push
from scheduler.digest import digest_message


@pytest.fixture
async def quiet_world(db_url, tmp_path):
    """The bot without background workers: the test moves the clock and the outbox."""
    from tests.harness import running_world

    async with running_world(db_url, tmp_path / "data", workers=False) as world:
        # Hours of simulated retries in seconds: the per-second send limit is real time.
        world.outbox.limits = {name: Gate(10**6) for name in ("line", "telegram")}
        world.outbox.pacer = ChatPacer(per_second=10**6, burst=10**6)
        yield world


async def person_on(world, name: str, *channels: str, locale: str | None = None) -> Person:
    person = await Person.create(org_id=world.rt.org_id, name=name, locale=locale)
    for channel in channels:
        user = f"U{person.id:032x}" if channel == "line" else str(7000 + person.id)
        await Identity.create(
            person_id=person.id, channel=channel, platform_user_id=user, chat_id=user
        )
    return person


async def next_due(now: datetime) -> datetime | None:
    """When the outbox next has something to try (the heads of the chats wait for a time)."""
    row = (
        await OutboxMessage.filter(status=OutboxStatus.PENDING, next_attempt_at__isnull=False)
        .order_by("next_attempt_at")
        .first()
    )
    if row is not None:
        return row.next_attempt_at
    if await OutboxMessage.filter(status=OutboxStatus.PENDING).exists():
        return now
    return None


async def run_outbox_until(world, start: datetime, end: datetime) -> datetime:
    """Deliver round after round on a simulated clock, jumping to each next due time."""
    now = start
    while now < end:
        await world.outbox.deliver_due(now)
        due = await next_due(now)
        if due is None:
            return now
        now = max(due, now + timedelta(milliseconds=1))
    return now


def received(world, channel: str, chat: str) -> list[str]:
    if channel == "line":
        return [m.text or "" for m in world.line.messages(chat)]
    return [m.plain or "" for m in world.tg.messages(chat_id=int(chat))]


@pytest.mark.parametrize("platform", ["telegram", "line"])
async def test_ten_minute_platform_outage_delivers_everything_once_in_order(quiet_world, platform):
    world = quiet_world
    emulator = world.tg if platform == "telegram" else world.line
    people = [await person_on(world, f"p{i}", platform) for i in range(3)]
    for n in range(9):
        await enqueue_push(people[n % 3], Outgoing(text=f"notice #{n}"))
    emulator.faults(1.0, ("500",), seed=1)
    start = datetime.now(UTC)
    await run_outbox_until(world, start, start + timedelta(minutes=10))
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 0
    emulator.faults(0.0)
    await run_outbox_until(world, start + timedelta(minutes=10), start + timedelta(minutes=20))

    rows = await OutboxMessage.all()
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    # The old worker gave up after 8 tries in half a minute; these outlived it.
    assert max(r.attempts for r in rows) > 8
    for i, person in enumerate(people):
        chat = (await Identity.get(person_id=person.id)).chat_id
        numbers = [int(re.search(r"#(\d+)", t).group(1)) for t in received(world, platform, chat)]
        assert numbers == [n for n in range(9) if n % 3 == i], "lost, doubled or out of order"
    assert sum(1 for r in emulator.requests if r.fault == "500") >= 3 * 8


async def test_rate_limits_are_waited_out_not_counted_as_failures(quiet_world):
    world = quiet_world
    person = await person_on(world, "rate", "telegram")
    await enqueue_push(person, Outgoing(text="wait for me"))
    world.tg.retry_after = 30
    world.tg.fail_next("429", times=50)
    start = datetime.now(UTC)
    await run_outbox_until(world, start, start + timedelta(hours=30))
    row = await OutboxMessage.get()
    assert row.status == OutboxStatus.SENT and row.failures == 0 and row.attempts == 51
    assert received(world, "telegram", row.chat_id) == ["wait for me"]


async def test_outage_of_25_hours_is_reported_to_the_admins_on_the_other_platform(quiet_world):
    world = quiet_world
    admin = await person_on(world, "Admin Anong", "telegram", "line", locale="en")
    await RoleAssignment.create(person_id=admin.id, role=Role.ADMIN)
    approver = await person_on(world, "Palad Somchai", "telegram", locale="en")
    await RoleAssignment.create(person_id=approver.id, role=Role.APPROVER)
    staff = await person_on(world, "Staff Tom", "telegram")
    await enqueue_push(
        approver, Outgoing(text="WP-2569-0042 Job posting: approve?"), kind="submit.deciders"
    )
    await enqueue_push(staff, Outgoing(text="Your request was received"))
    world.tg.faults(1.0, ("500",), seed=2)
    start = datetime.now(UTC)
    end = await run_outbox_until(world, start, start + timedelta(hours=25))
    for minutes in (11, 12):  # the deaths of one outage are gathered into one report
        await world.outbox.deliver_due(end + timedelta(minutes=minutes))

    dead = await OutboxMessage.filter(status=OutboxStatus.DEAD).order_by("id")
    assert [r.person_id for r in dead] == [approver.id, staff.id]
    assert all(
        timedelta(hours=24) <= r.died_at - start < timedelta(hours=24, minutes=6) for r in dead
    )
    admin_line = (await Identity.get(person_id=admin.id, channel=Channel.LINE)).chat_id
    (report,) = received(world, "line", admin_line)
    assert "2 messages could not be delivered" in report
    assert "to Palad Somchai on telegram, an approval card" in report
    assert "WP-2569-0042 Job posting" in report and "Internal Server Error" in report
    assert "to Staff Tom on telegram, a notice" in report
    assert "webpub outbox retry --dead" in report
    assert (
        received(
            world,
            "telegram",
            (await Identity.get(person_id=admin.id, channel=Channel.TELEGRAM)).chat_id,
        )
        == []
    )

    with using_locale("en"):
        digest = await digest_message(world.rt, approver, {Role.APPROVER}, end, "en")
    assert digest is not None
    assert "Messages to you that could not be delivered" in digest.text
    assert "an approval card" in digest.text and "WP-2569-0042" in digest.text
