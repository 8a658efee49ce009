"""The paper trail in the chat: [Download form] and /report, through the real app and emulators."""

from __future__ import annotations

import io
import re
import unicodedata
from urllib.parse import urlsplit

from pypdf import PdfReader

from bot.attachments import signed_url
from models.audit import AuditEvent
from models.people import Person
from models.request import Attachment, Request
from tests import records_kit as kit
from tests.test_decide_publish import office, pending, put_online

LINK = re.compile(r"http://127\.0\.0\.1:8080(/\S+)")


def link_in(text: str) -> str:
    found = LINK.search(text)
    assert found, f"no link in {text!r}"
    return found.group(1)


async def fetch(world, path: str) -> tuple[int, bytes]:
    response = await world.client.get(path)
    return response.status, await response.read()


def pdf_text(data: bytes) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return unicodedata.normalize("NFKC", text)


async def test_approver_and_webmaster_download_the_form_by_button_and_it_is_recorded(world):
    o = await office(world)  # owner on LINE, approver on Telegram, webmasters on both
    req = await pending(world, o.owner)
    await o.palad.taps("อนุมัติ")

    await o.palad.taps("ดาวน์โหลดแบบฟอร์ม")
    status, pdf = await fetch(world, link_in(o.palad.last_text))
    await o.web_line.taps("ดาวน์โหลดแบบฟอร์ม")  # on the publishing task card
    web_status, web_pdf = await fetch(world, link_in(o.web_line.last_text))

    assert "7 วัน" in o.palad.last_text
    assert (status, web_status) == (200, 200)
    text = pdf_text(pdf)
    assert unicodedata.normalize("NFKC", f"เลขที่ {req.ref}") in text
    assert "ปลัดไพศาล" in text and unicodedata.normalize("NFKC", "อนุมัติด้วยปุ่มอนุมัติในแชต") in text
    assert unicodedata.normalize("NFKC", f"เลขที่ {req.ref}") in pdf_text(web_pdf)
    downloads = await AuditEvent.filter(request_id=req.id, kind="download.form").order_by("seq")
    assert [d.actor_id for d in downloads] == [o.palad.person_id, o.web_line.person_id]


async def test_form_links_are_personal_and_refuse_tampering(world):
    o = await office(world)
    req = await pending(world, o.owner)
    await o.palad.taps("อนุมัติ")
    await o.palad.taps("ดาวน์โหลดแบบฟอร์ม")
    path = link_in(o.palad.last_text)
    other_person = re.sub(r"p=\d+", f"p={o.owner.person_id}", path)
    other_request = path.replace(f"/forms/{req.id}?", f"/forms/{req.id + 1}?")

    assert (await fetch(world, other_person))[0] == 403
    assert (await fetch(world, other_request))[0] == 403
    assert (await fetch(world, path.split("?")[0]))[0] == 403
    assert not await AuditEvent.filter(kind="download.form").exists()


async def test_owner_gets_the_form_button_with_the_rejection_and_staff_cannot_use_anothers(world):
    o = await office(world)
    stranger = await world.enrol("สมปอง", on="telegram")
    req = await pending(world, o.owner)
    await o.palad.taps("ไม่อนุมัติ")
    await o.palad.taps("มีข้อมูลส่วนบุคคล")

    await o.owner.taps("ดาวน์โหลดแบบฟอร์ม")
    status, pdf = await fetch(world, link_in(o.owner.last_text))
    _message, button = o.owner.find_button("ดาวน์โหลดแบบฟอร์ม")
    await stranger.taps_data(button["data"])

    assert status == 200
    assert unicodedata.normalize("NFKC", "ไม่อนุมัติ: มีข้อมูลส่วนบุคคล") in pdf_text(pdf)
    assert req.ref in pdf_text(pdf)
    assert "เฉพาะผู้ยื่นคำขอ" in stranger.last_text and "/forms/" not in stranger.last_text


async def test_report_in_chat_for_webmasters_with_this_months_completeness(world):
    o = await office(world)
    staff = await world.enrol("สมปอง", on="line")
    req = await pending(world, o.owner)
    await o.palad.taps("อนุมัติ")
    await o.web_tg.taps("รับงาน")
    await o.web_tg.taps("เผยแพร่แล้ว")
    await o.web_tg.says(await put_online(world, req))

    await o.web_tg.says("/report")
    answer = o.web_tg.last_text
    status, pdf = await fetch(world, link_in(answer))
    await staff.says("รายงาน")

    assert "เดือนนี้: มีข้อมูลเผยแพร่บนเว็บไซต์ 1 จาก 10 หมวดหมู่" in answer
    assert "ยังไม่มีข้อมูลเผยแพร่: ข้อมูลทั่วไป" in answer
    assert status == 200 and len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1
    assert "ปีงบประมาณ 2570" in pdf_text(pdf)  # December 2026 is in fiscal 2570
    assert "/reports/" not in staff.last_text and "ผู้ดูแลเว็บไซต์" in staff.last_text
    assert (await Request.get(id=req.id)).status == "published"
    assert await AuditEvent.filter(kind="download.report", actor_id=o.web_tg.person_id).exists()


async def test_file_downloads_are_recorded(world):
    o = await office(world)
    req = await kit.new_request(world.rt, await _office_people(world, o))
    [attachment] = await Attachment.filter(request_id=req.id)
    path = urlsplit(signed_url(world.rt, attachment.id)).path
    query = urlsplit(signed_url(world.rt, attachment.id)).query

    status, data = await fetch(world, f"{path}?{query}")

    assert status == 200 and data.startswith(b"%PDF")
    event = await AuditEvent.get(kind="download.file", request_id=req.id)
    assert event.data["attachment"] == attachment.id


async def _office_people(world, o) -> kit.Office:
    return kit.Office(
        await Person.get(id=o.owner.person_id),
        await Person.get(id=o.palad.person_id),
        await Person.get(id=o.web_tg.person_id),
    )
