"""The reminders through the real bot: LINE and Telegram emulators, webhooks, inbox, outbox.

The owner is on LINE (date picker), the approver and the webmasters on Telegram; the sweep
runs as if on 29 Dec 2026, and every answer is a tap or a picked date on the platform.
"""

from __future__ import annotations

from datetime import date

import pytest

import procedure
from models.enums import Role, Status
from models.people import Person
from models.request import Request
from scheduler import run_all
from tests.factories import draft
from tests.scheduler_kit import at


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_channels_owner_extends_on_line_and_the_approver_approves_on_telegram(world):
    owner = await world.enrol("Somchai", on="line", language="en")
    approver = await world.enrol("Palad", Role.APPROVER, on="telegram", language="en")
    webmaster = await world.enrol("Wirat", Role.WEBMASTER, on="telegram", language="en")
    rt = world.rt
    person = await Person.get(id=owner.person_id)
    req = await draft(rt, person, title="Job posting", end_in_days=None)
    await Request.filter(id=req.id).update(end_date=date(2027, 1, 5))
    when = at("2026-11-25T10:00")
    await procedure.submit(rt, req.id, person.id, now=when)
    await procedure.transition(rt, req.id, "approve", approver.person_id, now=when)
    await procedure.transition(
        rt, req.id, "publish", webmaster.person_id, now=when, url="https://x.go.th/1"
    )
    await world.settle()
    for actor in (owner, approver, webmaster):
        actor.new_texts()
    ref = (await Request.get(id=req.id)).ref

    await run_all(rt, at("2026-12-29T08:30"), raise_errors=True)
    await world.settle()
    [warning] = owner.new_texts()
    assert f"{ref} Job posting: ends 5 Jan 2027 (in 7 days)" in warning
    assert owner.button_labels() == ["Extend", "Let it end"]
    assert any(f"{ref} Job posting" in text for text in webmaster.new_texts())

    [question] = await owner.taps("Extend")
    assert question.startswith(f"{ref} leaves the website on 5 Jan 2027.")
    [asked] = await owner.picks_date("2027-03-31")
    assert asked.startswith(f"Asked Palad to keep {ref} on the website until 31 Mar 2027.")
    assert any("until 31 Mar 2027" in text for text in approver.new_texts())

    replies = await approver.taps("Approve")
    assert f"Extended {ref} until 31 Mar 2027; the owner has been told." in replies
    assert (await Request.get(id=req.id)).end_date == date(2027, 3, 31)
    assert (await Request.get(id=req.id)).status == Status.PUBLISHED
    await world.settle()
    assert (
        f"The approver extended {ref}: it stays on the website until 31 Mar 2027."
        in owner.new_texts()
    )
