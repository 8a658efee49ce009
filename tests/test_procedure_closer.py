"""The procedure, closer (issue 16): each person's language, publication on its date, revisions
that replace, verbal approvals chased. Played through the webhooks on both platforms."""

from __future__ import annotations

from datetime import date

import procedure
from models.audit import AuditEvent, verify_chain
from models.enrol import create_invite
from models.enums import Role, Status, TaskKind, TaskStatus
from models.messaging import OutboxMessage
from models.people import Identity, Person
from models.request import Request, Task
from models.revision import start_revision
from records.listing import request_detail
from scheduler import run_all
from tests.factories import draft
from tests.harness import Actor
from tests.scheduler_kit import at
from tests.test_decide_publish import PAGE, office, pending, put_online


async def test_language_a_line_user_switches_to_english_and_hears_the_reason_in_english(world):
    o = await office(world)
    await o.owner.says("ภาษา")
    await o.owner.taps("English")
    assert o.owner.last_text == "From now on I will write to you in English."
    assert (await Person.get(id=o.owner.person_id)).locale == "en"

    req = await pending(world, o.owner)
    await o.palad.taps("ไม่อนุมัติ")
    await o.palad.taps("รูปแบบไฟล์")
    assert o.owner.last_text == (
        f"Your request {req.ref} was not approved. Reason: File format not allowed"
    )
    assert "รูปแบบไฟล์" in o.palad.last_text  # the approver reads it in Thai

    await o.owner.says("/language ไทย")
    assert o.owner.last_text == "ต่อจากนี้จะสื่อสารกับท่านเป็นภาษาไทย"


async def test_language_a_typed_reason_reaches_everyone_as_typed(world):
    o = await office(world)
    await o.owner.says("/language en")
    await pending(world, o.owner)
    await o.palad.taps("ไม่อนุมัติ")
    await o.palad.taps("อื่น")
    await o.palad.says("ภาพไม่ชัด")
    assert o.owner.last_text.endswith("Reason: ภาพไม่ชัด")


async def test_language_on_telegram_the_choice_outlasts_the_phone_language(world):
    o = await office(world)
    await o.web_tg.says("/language")
    assert set(o.web_tg.button_labels()) == {"ไทย", "English"}
    await o.web_tg.taps("English")
    await o.web_tg.says("/help")
    assert o.web_tg.last_text.startswith("What you can do:")  # the phone still says th


async def test_language_unknown_choice_is_refused_politely_and_changes_nothing(world):
    o = await office(world)
    await o.web_tg.says("/language klingon")
    assert "ไทย" in o.web_tg.last_text and "English" in o.web_tg.last_text
    assert (await Person.get(id=o.web_tg.person_id)).locale is None


async def test_language_line_enrolment_reads_the_profile_language(world):
    user = "U" + "a" * 32
    world.line.add_profile(user, "Ann", language="en-US")
    code = await create_invite(world.rt.org_id, Role.STAFF, "Ann Smith", key=world.rt.secret_key)
    ann = Actor(world, "line", user, "Ann Smith", language="en")
    await ann.says(code)
    assert ann.last_text.startswith("Welcome, Ann Smith!")
    identity = await Identity.get(channel="line", platform_user_id=user)
    assert identity.language_code == "en-US"


# -- publication on its date ---------------------------------------------------------------


async def test_publish_date_the_task_reaches_the_webmasters_on_that_date_and_not_before(world):
    o = await office(world)
    owner = await Person.get(id=o.owner.person_id)
    req = await draft(world.rt, owner, publish_on=date(2027, 1, 4), end_in_days=60)
    await procedure.submit(world.rt, req.id, owner.id)
    await world.settle()
    await o.palad.taps("อนุมัติ")
    assert "4 ม.ค. 2570" in o.palad.last_text and "วันเผยแพร่" in o.palad.last_text
    # The owner's notice (held back a few minutes, to merge with a quick publication) says when.
    held = await OutboxMessage.get(request_id=req.id, kind="approve.owner")
    assert "จะส่งให้ผู้ดูแลเว็บไซต์ในวันที่ 4 ม.ค. 2570" in held.payload["text"]
    task = await Task.get(request_id=req.id)
    assert task.status == TaskStatus.SCHEDULED
    req = await Request.get(id=req.id)  # now with its reference
    assert o.web_tg.new_texts() == [] and o.web_line.new_texts() == []  # nothing yet

    # The digest before the date shows it as coming up; no chase, no task card yet.
    await run_all(world.rt, at("2026-12-30T08:30"), raise_errors=True)
    await world.settle()
    digest = "\n".join(o.web_tg.new_texts())
    assert "รอเผยแพร่ตามวันที่กำหนด" in digest and req.ref in digest
    assert "รับงาน" not in o.web_tg.button_labels()
    await run_all(world.rt, at("2027-01-04T08:29"), raise_errors=True)
    assert (await Task.get(id=task.id)).status == TaskStatus.SCHEDULED

    # On the publish date's morning the webmasters get the card, and it is chased from then.
    done = await run_all(world.rt, at("2027-01-04T08:30"), raise_errors=True)
    assert done["open-tasks"] == 1
    await world.settle()
    assert (await Task.get(id=task.id)).status == TaskStatus.OPEN
    assert any(req.ref in t and "เผยแพร่" in t for t in o.web_tg.new_texts())
    assert "รับงาน" in o.web_tg.button_labels() and "รับงาน" in o.web_line.button_labels()
    assert (await run_all(world.rt, at("2027-01-04T09:00"), raise_errors=True))["escalate-tasks"] == 0
    await o.web_line.taps("รับงาน")
    assert (await Task.get(id=task.id)).status == TaskStatus.CLAIMED


async def test_publish_date_an_urgent_request_goes_to_the_webmasters_at_once(world):
    o = await office(world)
    owner = await Person.get(id=o.owner.person_id)
    req = await draft(world.rt, owner, publish_on=date(2027, 1, 4), urgent=True)
    await procedure.submit(world.rt, req.id, owner.id)
    await world.settle()
    await o.palad.taps("อนุมัติ")
    assert (await Task.get(request_id=req.id)).status == TaskStatus.OPEN
    assert "รับงาน" in o.web_tg.button_labels()


# -- a revision replaces what it revises -----------------------------------------------------

async def _published_then_revised(world, o) -> tuple[Request, Request, str]:
    """An item on the website, and its revision ("Update") approved and claimed by a webmaster."""
    owner = await Person.get(id=o.owner.person_id)
    old = await draft(world.rt, owner, end_in_days=None)
    page = world.site.at(PAGE)
    await procedure.submit(world.rt, old.id, owner.id)
    await procedure.transition(world.rt, old.id, "approve", o.palad.person_id)
    await procedure.transition(world.rt, old.id, "publish", o.web_tg.person_id, url=page)
    new = await start_revision(old.id)
    await Request.filter(id=new.id).update(certified=True)  # the owner certifies it again
    await procedure.submit(world.rt, new.id, owner.id)
    await world.settle()
    await o.palad.taps("อนุมัติ")
    new = await Request.get(id=new.id)
    card = [m for m in o.web_line.messages() if "รับงาน" in str(m["buttons"])][-1]
    assert f"แทน {(await Request.get(id=old.id)).ref}" in card["text"] and page in card["text"]
    await o.web_line.taps("รับงาน")
    await o.web_line.taps("เผยแพร่แล้ว")
    return await Request.get(id=old.id), new, page


async def test_revision_published_at_the_same_address_leaves_the_original_removed(world):
    o = await office(world)
    old, new, page = await _published_then_revised(world, o)
    assert await put_online(world, new) == page  # the revision's file on the same page
    await o.web_line.says(page)
    assert (await Request.get(id=new.id)).status == Status.PUBLISHED
    old = await Request.get(id=old.id)
    assert old.status == Status.REMOVED and old.removed_at is not None
    event = await AuditEvent.get(request_id=old.id, kind="request.replace")
    assert event.data["successor"] == new.ref
    shown = await request_detail(world.rt, old.ref)
    assert shown["replaced_by"] == new.ref
    assert shown["history"][-1]["successor"] == new.ref
    assert await Task.filter(request_id=old.id, kind=TaskKind.TAKEDOWN).count() == 0
    assert (await verify_chain(world.rt.org_id)).ok


async def test_revision_at_another_address_asks_for_the_old_page_to_be_taken_down(world):
    o = await office(world)
    old, new, page = await _published_then_revised(world, o)
    await put_online(world, new)
    world.site.page(PAGE + "-v2", title=new.title, links=[f"/files/{new.id}.pdf"])
    await o.web_line.says(page + "-v2")
    assert (await Request.get(id=old.id)).status == Status.EXPIRED
    takedown = await Task.get(request_id=old.id, kind=TaskKind.TAKEDOWN)
    assert takedown.status == TaskStatus.OPEN
    await o.web_tg.taps("นำลงแล้ว")
    assert (await Request.get(id=old.id)).status == Status.REMOVED
    assert (await request_detail(world.rt, old.ref))["replaced_by"] == new.ref


# -- verbal approvals chased -------------------------------------------------------------------


async def test_verbal_unconfirmed_approval_is_chased_then_the_admins_are_told(world):
    o = await office(world)
    admin = await world.enrol("ผู้ดูแลระบบ", Role.ADMIN, on="line")
    req = await pending(world, o.owner, urgent=True)
    await o.web_tg.says(f"/verbal {req.ref}")
    await o.web_tg.taps("โทรศัพท์")
    await o.web_tg.taps("เมื่อสักครู่")
    # As if recorded on Thursday 3 December at 08:00, before the office opens at 08:30.
    await Request.filter(id=req.id).update(decided_at=at("2026-12-03T08:00"))
    o.palad.new_texts()

    assert (await run_all(world.rt, at("2026-12-03T12:29"), raise_errors=True))["chase-verbal"] == 0
    assert (await run_all(world.rt, at("2026-12-03T12:30"), raise_errors=True))["chase-verbal"] == 1
    await world.settle()
    [asked] = [t for t in o.palad.new_texts() if "การอนุมัติด้วยวาจาที่รอท่านยืนยัน" in t]
    assert req.ref in asked and "4 ชั่วโมง" in asked
    assert {"ยืนยัน", "เพิกถอน"} <= set(o.palad.button_labels())
    assert not [t for t in admin.new_texts() if req.ref in t]

    await run_all(world.rt, at("2026-12-03T16:30"), raise_errors=True)  # a working day on
    await world.settle()
    [told] = [t for t in admin.new_texts() if req.ref in t]
    assert "ผู้อนุมัติยังไม่ยืนยัน" in told and "/delegate" in told

    await o.palad.taps("ยืนยัน")  # on the reminder: the card keeps Confirm and Revoke
    assert (await Request.get(id=req.id)).verbal_confirmed is True
    assert (await run_all(world.rt, at("2026-12-04T16:30"), raise_errors=True))["chase-verbal"] == 0
