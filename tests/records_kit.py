"""An office's year on record: requests decided by button and verbally, with real stored files."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fpdf import FPDF

import procedure
from core.runtime import Runtime
from intake.files import inspect_file, store_file
from models.enums import Role
from models.people import Person
from models.request import Attachment, Category, Request
from procedure.verbal import confirm_verbal
from records.documents import FAMILY, FONT_DIR
from tests.factories import person

SUBMITTED = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok, 25 พ.ย. 2569
PAGE = "https://www.mukdahancity.go.th/news/2569/42"
# A Thai national ID with a valid check digit (mod 11) and one whose check digit is wrong.
VALID_ID = "1-1017-00230-70-8"
INVALID_ID = "1-1017-00230-70-9"


def pdf_bytes(*pages: str) -> bytes:
    """A real PDF with one page per text, in Sarabun, as an office's scanner-free PDF would be."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2026, 11, 24, tzinfo=UTC))  # the same bytes every run
    pdf.add_font(FAMILY, "", str(FONT_DIR / "Sarabun-Regular.ttf"))
    pdf.set_text_shaping(True)
    pdf.set_font(FAMILY, "", 14)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def docx_bytes(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def attach(rt: Runtime, req: Request, name: str, data: bytes) -> Attachment:
    """Check, store and attach a file to a request as the submission dialog does."""
    check = inspect_file(data, name, rt.org.files)
    store_file(data, rt.data_dir)
    return await Attachment.create(
        request_id=req.id,
        original_name=check.name,
        extension=check.extension,
        mime_type=check.mime_type,
        size=check.size,
        sha256=check.sha256,
    )


@dataclass
class Office:
    owner: Person
    palad: Person
    webmaster: Person


async def office(rt: Runtime) -> Office:
    owner = await person(rt, "สมศรี ใจดี", unit="กองคลัง")
    await Person.filter(id=owner.id).update(position="นักวิชาการเงินและบัญชีชำนาญการ")
    palad = await person(rt, "นายสมชาย ปลัดเทศบาล", Role.APPROVER, unit="สำนักปลัด")
    await Person.filter(id=palad.id).update(position="ปลัดเทศบาล")
    webmaster = await person(rt, "นางสาวสมหญิง เว็บมาสเตอร์", Role.WEBMASTER, unit="สำนักปลัด")
    await Person.filter(id=webmaster.id).update(position="นักวิชาการคอมพิวเตอร์")
    return Office(
        await Person.get(id=owner.id),
        await Person.get(id=palad.id),
        await Person.get(id=webmaster.id),
    )


async def new_request(
    rt: Runtime,
    who: Office,
    *,
    title: str = "ประกาศรับสมัครพนักงานจ้างทั่วไป ตำแหน่งผู้ช่วยเจ้าหน้าที่ธุรการ",
    category: str = "public-relations",
    files: tuple[tuple[str, bytes], ...] = (),
    urgent: bool = False,
    publish: date = date(2026, 11, 25),
    days: int | None = 30,
) -> Request:
    cat = await Category.get(org_id=rt.org_id, key=category)
    req = await Request.create(
        org_id=rt.org_id,
        owner_id=who.owner.id,
        owner_unit=who.owner.unit,
        category_id=cat.id,
        title=title,
        summary="รับสมัครพนักงานจ้างทั่วไป 2 อัตรา ตั้งแต่วันที่ 1–15 ธันวาคม 2569 ณ สำนักปลัด",
        source="กองคลัง เทศบาลเมืองมุกดาหาร",
        data_from=date(2026, 11, 1),
        data_until=date(2026, 12, 15),
        publish_date=publish,
        end_date=publish + timedelta(days=days) if days else None,
        external_link="https://www.dla.go.th/",
        remarks="ติดประกาศที่บอร์ดหน้าสำนักงานด้วย",
        urgent=urgent,
        urgent_reason="ต้องประกาศก่อนวันเปิดรับสมัคร" if urgent else "",
        certified=True,
    )
    for name, data in files or (("ประกาศรับสมัคร.pdf", pdf_bytes("ประกาศเทศบาลเมืองมุกดาหาร")),):
        await attach(rt, req, name, data)
    return req


async def decided_by_button(rt: Runtime, who: Office, at: datetime = SUBMITTED, **kw) -> Request:
    """Submitted, approved with the button an hour later, published by the webmaster after two."""
    req = await new_request(rt, who, **kw)
    await procedure.submit(rt, req.id, who.owner.id, now=at)
    await procedure.transition(rt, req.id, "approve", who.palad.id, now=at + timedelta(hours=1))
    await procedure.transition(
        rt, req.id, "publish", who.webmaster.id, now=at + timedelta(hours=2), url=PAGE
    )
    return await Request.get(id=req.id)


async def decided_verbally(rt: Runtime, who: Office, at: datetime = SUBMITTED) -> Request:
    """Urgent: approved by phone, recorded by the webmaster, published, confirmed next morning."""
    req = await new_request(
        rt, who, title="แจ้งเตือนน้ำท่วมฉับพลัน ถนนสำราญชายโขง", urgent=True, publish=rt.today(at), days=7
    )
    await procedure.submit(rt, req.id, who.owner.id, now=at)
    await procedure.transition(
        rt,
        req.id,
        "verbal_approve",
        who.webmaster.id,
        now=at + timedelta(minutes=20),
        how="verbal",
        acting_for_id=who.palad.id,
        reason_code="verbal",
        verbal_by=f"{who.palad.name}, phone",
        verbal_at=at + timedelta(minutes=15),
    )
    await procedure.transition(
        rt, req.id, "publish", who.webmaster.id, now=at + timedelta(minutes=30), url=PAGE + "-flood"
    )
    req = await Request.get(id=req.id)
    await confirm_verbal(rt, req, who.palad.id, None, at + timedelta(hours=22))
    return await Request.get(id=req.id)
