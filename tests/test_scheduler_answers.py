"""Answering reminders: Extend (a small approval), the periodic review, who may tap what."""

from __future__ import annotations

from datetime import date

import pytest

from models.audit import AuditEvent, verify_chain
from models.enums import Status, TaskKind
from models.messaging import Dialog
from models.request import Attachment, Request, Task
from scheduler import run_all
from tests.scheduler_kit import at, cast, inbox, published, says, tap, tap_reply, texts

# The SQL that matters on PostgreSQL runs in this module's other tests; these stay fast.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

END = date(2027, 1, 5)


@pytest.fixture
async def warned(rt):
    """An item ending 5 Jan 2027 whose owner got the 7-day warning on 29 Dec."""
    people = await cast(rt)
    item = await published(rt, people, end=END)
    await run_all(rt, at("2026-12-29T08:30"), raise_errors=True)
    [warning] = await inbox(people["owner"], "scheduler.expiry")
    return people, item, warning


async def test_extend_quick_choice_goes_to_the_approver_who_approves(rt, warned):
    people, item, warning = warned
    owner, approver = people["owner"], people["approver"]
    question = await tap_reply(rt, owner, warning, "Extend", at("2026-12-29T09:00"))
    assert question.text == (
        f"{item.ref} leaves the website on 5 Jan 2027. Until when should it stay? Add 30 days, "
        "90 days or 1 year, pick a date, or type one (for example 25/11/2569)."
    )
    assert [b.label for b in question.buttons] == ["30 days", "90 days", "1 year", "Cancel"]
    assert question.date_picker.min == "2027-01-06"

    replies = await tap(rt, owner, question, "30 days", at("2026-12-29T09:01"))
    assert replies == [
        f"Asked Palad Paisan to keep {item.ref} on the website until 4 Feb 2027. "
        "You will hear the answer here."
    ]
    assert await Dialog.filter(person_id=owner.id).count() == 0
    [ask] = await inbox(approver, "extension.ask")
    assert ask.text == (
        f"Somchai asks to keep {item.ref} on the website until 4 Feb 2027 (it ends on 5 Jan 2027 now)."
    )
    assert [b.label for b in ask.buttons] == ["Approve", "Reject"]

    # Not the approver: refused, nothing changes.
    assert await tap(rt, people["web1"], ask, "Approve", at("2026-12-29T10:00")) == [
        "Only the approver can decide this."
    ]
    assert (await Request.get(id=item.id)).end_date == END

    replies = await tap(rt, approver, ask, "Approve", at("2026-12-29T10:00"))
    assert replies == [f"Extended {item.ref} until 4 Feb 2027; the owner has been told."]
    assert (await Request.get(id=item.id)).end_date == date(2027, 2, 4)
    assert await texts(owner, "extension.owner") == [
        f"The approver extended {item.ref}: it stays on the website until 4 Feb 2027."
    ]
    event = await AuditEvent.filter(kind="request.extend").get()
    assert event.data["from"] == "2027-01-05" and event.data["to"] == "2027-02-04"
    assert (await verify_chain(rt.org_id)).ok

    # A second tap, and the stale Extend button of the old end date, are refused.
    assert await tap(rt, approver, ask, "Approve", at("2026-12-29T10:01")) == [
        "This extension was already decided."
    ]
    assert await tap(rt, owner, warning, "Extend", at("2026-12-29T10:02")) == [
        "This button is no longer valid. Type /status to see your requests."
    ]
    # The old end date passes quietly; the new one is warned about in its turn.
    assert (await run_all(rt, at("2027-01-05T08:30")))["expire-items"] == 0
    assert (await run_all(rt, at("2027-01-28T08:30")))["warn-expiring"] == 3


@SQLITE_ONLY
async def test_extend_typed_date_is_checked_and_asked_again(rt, warned):
    people, item, warning = warned
    owner = people["owner"]
    await tap(rt, owner, warning, "Extend", at("2026-12-29T09:00"))
    assert await says(rt, owner, "next week maybe", at("2026-12-29T09:01")) == [
        "Please type a date such as 25/11/2569, or a period such as 30 days; /cancel stops."
    ]
    assert await says(rt, owner, "1/1/2570", at("2026-12-29T09:02")) == [
        "The new end date must be after the current one, 5 Jan 2027."
    ]
    replies = await says(rt, owner, "15/02/2570", at("2026-12-29T09:03"))
    assert replies[0].startswith(
        f"Asked Palad Paisan to keep {item.ref} on the website until 15 Feb 2027."
    )
    [ask] = await inbox(people["approver"], "extension.ask")
    assert await tap(rt, people["approver"], ask, "Reject", at("2026-12-29T10:00")) == [
        f"The extension of {item.ref} was not approved; the owner has been told."
    ]
    assert (await Request.get(id=item.id)).end_date == END
    assert await texts(owner, "extension.owner") == [
        f"The approver did not extend {item.ref}; it leaves the website on 5 Jan 2027."
    ]


@SQLITE_ONLY
async def test_extend_date_picker_and_cancel(rt, warned):
    people, _item, warning = warned
    owner = people["owner"]
    question = await tap_reply(rt, owner, warning, "Extend", at("2026-12-29T09:00"))
    assert await tap(rt, owner, question, "Cancel", at("2026-12-29T09:01")) == [
        "Nothing was changed."
    ]
    # The closed dialog's buttons are stale now.
    assert await tap(rt, owner, question, "", at("2026-12-29T09:02"), picked="2027-03-01") == [
        "This button is no longer valid. Type /status to see your requests."
    ]
    question = await tap_reply(rt, owner, warning, "Extend", at("2026-12-29T09:03"))
    replies = await tap(rt, owner, question, "", at("2026-12-29T09:04"), picked="2027-03-01")
    assert "until 1 Mar 2027" in replies[0]


async def test_extend_approved_after_the_item_expired_changes_nothing(rt, warned):
    people, item, warning = warned
    question = await tap_reply(rt, people["owner"], warning, "Extend", at("2027-01-04T09:00"))
    await tap(rt, people["owner"], question, "90 days", at("2027-01-04T09:01"))
    await run_all(rt, at("2027-01-05T08:30"), raise_errors=True)
    [ask] = await inbox(people["approver"], "extension.ask")
    assert await tap(rt, people["approver"], ask, "Approve", at("2027-01-05T09:00")) == [
        f"{item.ref} has changed since the extension was asked; nothing was changed."
    ]
    item = await Request.get(id=item.id)
    assert (item.status, item.end_date) == (Status.EXPIRED, END)
    assert await AuditEvent.filter(kind="request.extend").count() == 0


@pytest.fixture
async def reviewed(rt):
    """An item with no end date (reviewed every 12 months) whose owner was asked on 25 Nov 2027."""
    people = await cast(rt)
    item = await published(rt, people, end=None, category="laws", title="Municipal by-law")
    assert item.review_due == date(2027, 11, 25)
    assert (await run_all(rt, at("2027-11-25T08:00")))["review-items"] == 0
    assert (await run_all(rt, at("2027-11-25T08:30")))["review-items"] == 1
    [question] = await inbox(people["owner"], "scheduler.review")
    return people, item, question


@SQLITE_ONLY
async def test_review_asks_once_then_again_a_month_later(rt, reviewed):
    _people, item, question = reviewed
    assert question.text == (
        f"Items due for their periodic review (1):\n• {item.ref} Municipal by-law: published 25 Nov 2026\n\n"
        "Are they still current? Still current keeps them online until the next review; "
        "Update starts a revised request; Remove asks the webmasters to take them down."
    )
    assert [b.label for b in question.buttons] == ["Still current", "Update", "Remove"]
    assert (await run_all(rt, at("2027-12-20T08:30")))["review-items"] == 0
    assert (await run_all(rt, at("2027-12-25T08:30")))["review-items"] == 1


async def test_review_still_current_sets_the_next_review(rt, reviewed):
    people, item, question = reviewed
    assert await tap(rt, people["owner"], question, "Still current", at("2027-11-26T09:00")) == [
        f"Thank you. {item.ref} stays on the website; the next review is on 26 Nov 2028."
    ]
    assert (await Request.get(id=item.id)).review_due == date(2028, 11, 26)
    assert await AuditEvent.filter(kind="request.reviewed").count() == 1
    assert await tap(rt, people["owner"], question, "Still current", at("2027-11-26T09:01")) == [
        "This button is no longer valid. Type /status to see your requests."
    ]
    assert (await run_all(rt, at("2027-12-26T08:30")))["review-items"] == 0


@SQLITE_ONLY
async def test_review_update_starts_one_revision_draft(rt, reviewed):
    people, item, question = reviewed
    replies = await tap(rt, people["owner"], question, "Update", at("2027-11-26T09:00"))
    assert replies[0].startswith(f"Revision 1 of {item.ref}: a copy with the same details")
    revision = await Request.get(revision_of_id=item.id)
    assert (revision.status, revision.revision_no, revision.title) == (
        Status.DRAFT,
        1,
        "Municipal by-law",
    )
    assert not revision.certified and revision.ref is None
    assert await Attachment.filter(request_id=revision.id).count() == 1
    await tap(rt, people["owner"], question, "Update", at("2027-11-26T09:01"))
    assert await Request.filter(revision_of_id=item.id).count() == 1
    assert (await Request.get(id=item.id)).status == Status.PUBLISHED


@SQLITE_ONLY
async def test_review_update_hands_the_draft_to_the_submission_flow(rt, reviewed):
    people, item, question = reviewed
    replies = await tap(rt, people["owner"], question, "Update", at("2027-11-26T09:00"))
    assert replies[-1] == "Please check your request, then tap Submit."
    revision = await Request.get(revision_of_id=item.id)
    dialog = await Dialog.get(person_id=people["owner"].id)
    assert (dialog.flow, dialog.step, dialog.request_id) == ("submit", "submit.review", revision.id)


@SQLITE_ONLY
async def test_review_remove_asks_for_a_takedown_once(rt, reviewed):
    people, item, question = reviewed
    assert await tap(rt, people["web1"], question, "Remove", at("2027-11-26T09:00")) == [
        f"Only the owner of {item.ref} can answer this."
    ]
    assert await tap(rt, people["owner"], question, "Remove", at("2027-11-26T09:00")) == [
        f"The webmasters will take {item.ref} down; you will be told when it is done."
    ]
    assert (await Request.get(id=item.id)).status == Status.EXPIRED
    assert await Task.filter(request_id=item.id, kind=TaskKind.TAKEDOWN).count() == 1
    assert await tap(rt, people["owner"], question, "Remove", at("2027-11-26T09:01")) == [
        "This button is no longer valid. Type /status to see your requests."
    ]
    # Chased from the day it was asked for.
    assert (await run_all(rt, at("2027-11-27T08:30")))["chase-takedowns"] == 2


@SQLITE_ONLY
async def test_taken_down_needs_a_webmaster(rt, warned):
    people, item, _warning = warned
    await run_all(rt, at("2027-01-06T08:30"), raise_errors=True)
    [chase] = await inbox(people["web1"], "scheduler.takedown-chase")
    [refused] = await tap(rt, people["owner"], chase, "Taken down", at("2027-01-06T09:00"))
    assert refused == "Sorry, only webmaster can do this."
    assert (await Request.get(id=item.id)).status == Status.EXPIRED
