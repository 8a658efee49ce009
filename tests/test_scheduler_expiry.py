"""Time travel through an item's publication period: warnings, expiry, chase, escalation.

The item is published on 25 Nov 2026 with the end date 5 Jan 2027. With the org's defaults
(warnings 7 and 1 days before, chased daily, the approver told after 3 days) the story is:
29 Dec warning, 4 Jan warning, 5 Jan takedown task, 6 and 7 Jan chases, 8 Jan the approver.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import date
from pathlib import Path

import pytest

from models.enums import Channel, Status, TaskKind, TaskStatus
from models.messaging import OutboxMessage
from models.people import GroupChat
from models.request import Request, Task
from scheduler import run_all
from scheduler.website import check_website_pages
from tests.conftest import ROOT
from tests.factories import person
from tests.scheduler_kit import at, cast, inbox, published, tap, texts

# The SQL that matters on PostgreSQL runs in this module's other tests; these stay fast.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

END = date(2027, 1, 5)


@pytest.fixture
async def story(rt):
    people = await cast(rt)
    item = await published(rt, people, end=END)
    return people, item


async def sweep(rt, when: str) -> dict[str, int]:
    return await run_all(rt, at(when), raise_errors=True)


async def test_expiry_warnings_come_exactly_at_seven_days_and_one_day(rt, story):
    people, item = story
    for day in ("2026-12-27T09:00", "2026-12-29T08:00"):  # before the 7-day moment
        assert (await sweep(rt, day))["warn-expiring"] == 0
    assert (await sweep(rt, "2026-12-29T08:30"))["warn-expiring"] == 3  # owner, two webmasters
    for day in ("2026-12-29T08:30", "2026-12-30T08:30", "2027-01-03T09:00"):
        assert (await sweep(rt, day))["warn-expiring"] == 0
    assert (await sweep(rt, "2027-01-04T08:30"))["warn-expiring"] == 3

    owner_says = await texts(people["owner"], "scheduler.expiry")
    assert owner_says == [
        "Your items leave the website soon (1):\n"
        f"• {item.ref} Job posting: ends 5 Jan 2027 (in 7 days)\n\n"
        "Tap Extend to ask the approver for a later end date, or Let it end.",
        "Your items leave the website soon (1):\n"
        f"• {item.ref} Job posting: ends 5 Jan 2027 (tomorrow)\n\n"
        "Tap Extend to ask the approver for a later end date, or Let it end.",
    ]
    assert [b.label for b in (await inbox(people["owner"], "scheduler.expiry"))[0].buttons] == [
        "Extend",
        "Let it end",
    ]
    web_says = await texts(people["web2"], "scheduler.expiry")
    assert web_says[1] == (
        f"Items to take down on their end date (1):\n• {item.ref} Job posting: ends 5 Jan 2027 (tomorrow)"
    )
    assert (await inbox(people["web2"], "scheduler.expiry"))[1].buttons == ()


async def test_expiry_end_date_makes_a_takedown_task_then_daily_chases_then_the_approver(
    rt, story, office, site
):
    people, item = story
    await sweep(rt, "2027-01-05T08:00")
    assert (await Request.get(id=item.id)).status == Status.PUBLISHED  # not before the morning
    done = await sweep(rt, "2027-01-05T08:30")
    assert done["expire-items"] == 1
    assert (await Request.get(id=item.id)).status == Status.EXPIRED
    task = await Task.get(request_id=item.id, kind=TaskKind.TAKEDOWN)
    assert task.status == TaskStatus.OPEN
    # The workflow's own notices: the owner hears it ended, each webmaster gets the task.
    assert await OutboxMessage.filter(kind="expire.webmasters").count() == 2
    assert done["chase-takedowns"] == 0

    assert (await sweep(rt, "2027-01-06T08:30"))["chase-takedowns"] == 2
    assert (await sweep(rt, "2027-01-06T17:00"))["chase-takedowns"] == 0
    assert (await sweep(rt, "2027-01-07T08:30"))["chase-takedowns"] == 2
    assert await texts(people["approver"], "scheduler.takedown") == []
    assert (await sweep(rt, "2027-01-08T08:30"))["chase-takedowns"] == 3  # 2 chases + approver
    chases = await texts(people["web1"], "scheduler.takedown-chase")
    assert chases[1] == (
        "Still on the website after its end (1):\n"
        f"• {item.ref} Job posting: should have come down on 5 Jan 2027 (2 days ago)\n\n"
        "Take them down, then tap Taken down."
    )
    assert await texts(people["approver"], "scheduler.takedown-escalate") == [
        "Takedowns overdue for 3 days or more (1):\n"
        f"• {item.ref} Job posting: should have come down on 5 Jan 2027 (3 days ago); "
        "no webmaster has claimed it\n\n"
        "The webmasters are reminded every day until it is done."
    ]
    assert (await sweep(rt, "2027-01-09T08:30"))["chase-takedowns"] == 2  # the approver once

    # A webmaster taps Taken down on the chase: the page is gone (404), so it is removed, the
    # owner is told, chasing stops.
    page = site.at("/n/1")
    await Request.filter(id=item.id).update(published_url=page)
    chase = (await inbox(people["web2"], "scheduler.takedown-chase"))[-1]
    replies = await tap(rt, people["web2"], chase, "Taken down", at("2027-01-09T09:00"))
    assert replies == [f"Checking {page} for {item.ref}; you will hear in a moment."]
    await check_website_pages(office, at("2027-01-09T09:00"))
    assert (await texts(people["web2"], "website"))[-1] == (
        f"Checked: {item.ref} is off the website. Recorded as taken down; the owner has been told."
    )
    assert (await Request.get(id=item.id)).status == Status.REMOVED
    assert (
        await OutboxMessage.filter(person_id=people["owner"].id, kind="remove.owner").count() == 1
    )
    assert (await sweep(rt, "2027-01-10T08:30"))["chase-takedowns"] == 0
    again = await tap(rt, people["web1"], chase, "Taken down", at("2027-01-10T09:00"))
    assert again == [f"{item.ref} is already recorded as taken down."]


async def test_expiry_same_instant_twice_sends_nothing_new(rt, story):
    for when in ("2026-12-29T08:30", "2027-01-04T08:30", "2027-01-05T08:30", "2027-01-08T08:30"):
        first = await sweep(rt, when)
        count = await OutboxMessage.all().count()
        second = await sweep(rt, when)
        assert await OutboxMessage.all().count() == count, when
        assert set(second.values()) == {0}, (when, first, second)


@SQLITE_ONLY
async def test_expiry_catch_up_after_downtime_sends_once_and_says_how_late(rt, story):
    people, _item = story
    # The server was down from 28 Dec to the afternoon of 7 Jan.
    await sweep(rt, "2026-12-28T09:00")
    done = await sweep(rt, "2027-01-07T14:00")
    assert done["warn-expiring"] == 0  # warnings about a past end date are not sent late
    assert done["expire-items"] == 1
    assert done["chase-takedowns"] == 2  # once per webmaster, with how late it is
    assert "(2 days ago)" in (await texts(people["web1"], "scheduler.takedown-chase"))[0]
    assert set((await sweep(rt, "2027-01-07T14:05")).values()) == {0}
    # Down over the 7-day moment only: the warning of the moment passed is sent once.
    malee = await person(rt, "Malee", locale="en")
    other = await published(rt, people, owner=malee, end=date(2027, 2, 10), title="Tender")
    assert (await sweep(rt, "2027-02-05T10:00"))["warn-expiring"] == 3
    assert (
        f"{other.ref} Tender: ends 10 Feb 2027 (in 5 days)"
        in (await texts(malee, "scheduler.expiry"))[0]
    )
    assert (await sweep(rt, "2027-02-06T10:00"))["warn-expiring"] == 0


@SQLITE_ONLY
async def test_expiry_one_message_per_person_lists_all_their_items(rt, story):
    people, item = story
    second = await published(rt, people, end=END, title="Water outage notice")
    await sweep(rt, "2026-12-29T08:30")
    [warning] = await inbox(people["owner"], "scheduler.expiry")
    assert (
        f"• {item.ref} Job posting" in warning.text
        and f"• {second.ref} Water outage" in warning.text
    )
    short = item.ref.removeprefix("WP-")
    assert [b.label for b in warning.buttons][:2] == [f"Extend {short}", f"Let it end {short}"]
    assert len(warning.buttons) == 4


@SQLITE_ONLY
async def test_expiry_let_it_end_stops_the_owners_warnings_only(rt, story):
    people, item = story
    await sweep(rt, "2026-12-29T08:30")
    [warning] = await inbox(people["owner"], "scheduler.expiry")
    replies = await tap(rt, people["owner"], warning, "Let it end", at("2026-12-29T09:00"))
    assert replies == [
        f"{item.ref} will leave the website on 5 Jan 2027. You will not be reminded about it again."
    ]
    await sweep(rt, "2027-01-04T08:30")
    assert len(await texts(people["owner"], "scheduler.expiry")) == 1
    assert len(await texts(people["web1"], "scheduler.expiry")) == 2
    # Someone else tapping the owner's button is refused and changes nothing.
    refused = await tap(rt, people["web1"], warning, "Let it end", at("2026-12-29T09:00"))
    assert refused == [f"Only the owner of {item.ref} can answer this."]


async def test_expiry_through_the_webpub_console_script(rt, story, db_url, tmp_path):
    """`webpub scheduler run-once --now 2027-01-05T08:30:00+07:00`, the real command."""
    _people, item = story
    env = {
        **os.environ,
        "WEBPUB_DATABASE_URL": db_url,
        "WEBPUB_ORG_FILE": str(ROOT / "org.example.toml"),
        "WEBPUB_DATA_DIR": str(tmp_path / "data"),
    }

    async def run(*args: str) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "webpub"),
            "scheduler",
            "run-once",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        return proc.returncode, out.decode()

    _code, out = await run("--now", "2027-01-05T08:30:00+07:00", "--json")
    report = json.loads(out)
    assert report["now"] == "2027-01-05T08:30:00+07:00"
    assert report["sweeps"]["expire-items"] == 1
    assert report["failed"] == []
    assert (await Request.get(id=item.id)).status == Status.EXPIRED
    _code, out = await run("--now", "2027-01-05T08:30:00+07:00")
    assert "  expire-items         0 items expired" in out
    assert "  warn-expiring        0 messages" in out


async def test_expiry_webmasters_group_hears_once_for_all_webmasters(rt, story):
    people, item = story
    await GroupChat.create(
        org_id=rt.org_id, purpose="webmasters", channel=Channel.TELEGRAM, chat_id="-100777"
    )
    assert (await sweep(rt, "2026-12-29T08:30"))["warn-expiring"] == 2  # the owner, the group
    assert await texts(people["web1"], "scheduler.expiry") == []
    rows = await OutboxMessage.filter(chat_id="-100777", kind="scheduler.expiry")
    assert len(rows) == 1 and rows[0].person_id is None
    assert item.ref in rows[0].payload["text"]
    assert "5 ม.ค. 2570" in rows[0].payload["text"]  # in the organization's language, Thai
    await sweep(rt, "2027-01-05T08:30")
    assert (await sweep(rt, "2027-01-06T08:30"))["chase-takedowns"] == 1
    [chase] = await OutboxMessage.filter(chat_id="-100777", kind="scheduler.takedown-chase")
    assert chase.payload["buttons"][0]["action"].startswith("taken_down:")
