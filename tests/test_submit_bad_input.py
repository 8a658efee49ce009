"""Every question given bad input first: a clear answer in the person's language, the question
asked again, and nothing wrong stored."""

import asyncio

import pytest

from models.enums import Status
from models.messaging import Dialog
from models.request import Attachment, Request
from tests.test_submit_flow import PDF

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


async def latest_draft(staff) -> Request:
    return await Request.filter(owner_id=staff.person_id).order_by("-id").first()


@pytest.mark.parametrize("platform", ["line", "telegram"])
async def test_submit_bad_answers_are_refused_and_asked_again(world, platform):
    staff = await world.enrol("ประภา", on=platform)
    await staff.says("/new")
    old_buttons_message, old_button = staff.find_button("ประชาสัมพันธ์")

    said = await staff.says("หมวดที่ไม่มี")
    assert any("เลือก" in t for t in said) and "1" in staff.last_text  # the categories again
    await staff.taps("ประชาสัมพันธ์")

    said = await staff.says("   ")
    assert any("พิมพ์" in t for t in said)
    said = await staff.says("ก" * 5000)
    assert any("5000" in t and "300" in t for t in said)
    assert (await latest_draft(staff)).title == ""
    await staff.says("ประกาศผลการสอบ")
    await staff.taps("ข้าม")

    # A tap on a button from an older step changes nothing and says so.
    await staff.taps_data(
        old_button.get("data") or old_button.get("callback_data"), message=old_buttons_message
    )
    assert "ก่อนหน้า" in " ".join(staff.new_texts()) or "earlier" in staff.last_text
    assert (await Dialog.get(person_id=staff.person_id)).step == "submit.files"

    said = await staff.sends_file("ประกาศ.pdf", EXE)
    assert any(".pdf" in t for t in said)
    said = await staff.sends_file("ตาราง.zip", b"PK\x05\x06" + b"\x00" * 18, "application/zip")
    assert any(".zip" in t for t in said)
    big = PDF + b"0" * (21 * 1024 * 1024)
    said = await staff.sends_file("ใหญ่.pdf", big)
    assert any("20 MB" in t for t in said)
    draft = await latest_draft(staff)
    assert await Attachment.filter(request_id=draft.id).count() == 0

    await staff.sends_file("ประกาศ.pdf", PDF)
    await staff.taps("เสร็จแล้ว")
    await staff.taps("กองคลัง")

    said = await staff.says("31/02/2569")
    assert any("31/02/2569" in t for t in said)
    await staff.taps("ไม่ระบุ")
    said = await staff.says("1/1/2560")
    assert any("ผ่านมาแล้ว" in t or "past" in t for t in said)
    await staff.taps("วันนี้")
    said = await staff.says("1/1/2569")
    assert any("หลังวันที่เผยแพร่" in t or "after the publish" in t for t in said)
    draft = await latest_draft(staff)
    assert draft.end_date is None and draft.data_from is None
    await staff.taps("30 วัน")
    await staff.taps("ปกติ")
    await staff.taps("ข้าม")
    said = await staff.says("ไม่แน่ใจ")
    assert any("ขอรับรอง" in t for t in said)
    await staff.taps("ขอรับรอง")
    await staff.taps("ส่งคำขอ")
    draft = await latest_draft(staff)
    assert draft.status == Status.PENDING and draft.title == "ประกาศผลการสอบ"


async def test_submit_in_english_for_an_english_speaker(world):
    alex = await world.enrol("Alex", on="telegram", language="en")
    said = await alex.says("/new")
    assert any("Which category" in t for t in said)
    said = await alex.says("31/02/2569")
    assert any("category" in t.lower() for t in said)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_two_people_on_two_platforms_do_not_see_each_others_answers(world):
    nid = await world.enrol("นิด", on="line")
    tom = await world.enrol("ต้อม", on="telegram")
    await asyncio.gather(nid.says("/new"), tom.says("/new"))
    await asyncio.gather(nid.taps("ประชาสัมพันธ์"), tom.taps("ข้อมูลทั่วไป"))
    await asyncio.gather(nid.says("เรื่องของนิด"), tom.says("เรื่องของต้อม"))
    mine = await latest_draft(nid)
    theirs = await latest_draft(tom)
    assert (mine.title, theirs.title) == ("เรื่องของนิด", "เรื่องของต้อม")
    assert not any("ต้อม" in t for t in nid.texts) and not any("นิด" in t for t in tom.texts)


async def test_server_restart_mid_submission_resumes_at_the_same_step(world):
    staff = await world.enrol("มานี", on="line")
    await staff.says("/new")
    await staff.taps("ประชาสัมพันธ์")
    await staff.says("ประกาศวันหยุด")
    asked_before = staff.last_text
    await world.restart()
    said = await staff.says("สรุปสั้น ๆ")
    assert said and said[-1] != asked_before  # the summary was taken: on to the files question
    draft = await latest_draft(staff)
    assert (draft.title, draft.summary) == ("ประกาศวันหยุด", "สรุปสั้น ๆ")
    assert (await Dialog.get(person_id=staff.person_id)).step == "submit.files"


async def test_idle_dialog_is_closed_with_a_message_and_resumed_from_status(world):
    from datetime import UTC, datetime, timedelta

    from scheduler.dialogs import close_idle_dialogs

    staff = await world.enrol("ชูใจ", on="telegram")
    await staff.says("/new")
    await staff.taps("ข้อมูลทั่วไป")
    await staff.says("ข่าวกิจกรรม")
    later = datetime.now(UTC) + timedelta(minutes=world.rt.org.workflow.dialog_idle_minutes + 1)
    assert await close_idle_dialogs(world.rt, later) == 1
    assert await close_idle_dialogs(world.rt, later) == 0
    await world.settle()
    assert "/status" in staff.last_text
    assert not await Dialog.exists(person_id=staff.person_id)
    said = await staff.says("/status")
    assert any("ข่าวกิจกรรม" in t for t in said), said
    await staff.taps("ข่าวกิจกรรม")
    assert (await Dialog.get(person_id=staff.person_id)).step == "submit.files"  # first unanswered
