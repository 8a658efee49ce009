"""Personal data before publication (PDPA): the ID detector, the files it reads, the warnings."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from core.org_config import Files
from intake.files import FileProblem, FileRefused, inspect_file
from intake.personal import (
    PersonalData,
    find_personal_data,
    id_checksum_ok,
    national_ids,
    phone_numbers,
)
from locales import using_locale
from models.enums import Role
from models.request import Attachment, Request
from tests import records_kit as kit
from tests.test_submit_flow import submit_everything

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ID = "1101700230708"  # valid: the check digit 8 is (11 - 146 mod 11) mod 10
OTHER_ID = "3100600123450"  # valid as well


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (ID, [ID]),
        ("1-1017-00230-70-8", [ID]),  # as the card prints it
        ("1 1017 00230 70 8", [ID]),
        ("๑-๑๐๑๗-๐๐๒๓๐-๗๐-๘", [ID]),  # Thai digits
        ("๑๑๐๑๗๐๐๒๓๐๗๐๘", [ID]),
        (f"เลขประจำตัวประชาชน {ID} ที่อยู่", [ID]),  # amid Thai text, no spaces needed
        (f"นาย ก{ID}ข", [ID]),
        ("1-1017-00230-70-9", []),  # wrong check digit
        ("1101700230707", []),
        (f"9{ID}", []),  # the tail of a longer number
        (f"{ID}5", []),  # the head of a longer number
        (f"12-{ID}", []),  # inside a dashed run
        ("เลขที่หนังสือ 0123456789012345", []),
        ("110170023070", []),  # twelve digits
        (f"{ID} และ 3-1006-00123-45-0", [ID, OTHER_ID]),
        ("โทร 081-234-5678", []),  # a phone number is not an ID
    ],
)
def test_national_id_detector(text, found):
    assert national_ids(text) == found


@pytest.mark.parametrize(
    ("digits", "ok"), [(ID, True), (OTHER_ID, True), ("1101700230709", False), ("abc", False)]
)
def test_national_id_checksum(digits, ok):
    assert id_checksum_ok(digits) is ok


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("โทร 081-234-5678", ["0812345678"]),
        ("มือถือ ๐๘๙ ๑๒๓ ๔๕๖๗", ["0891234567"]),
        ("สำนักงาน 042-611-000", ["042611000"]),
        ("+66 81 234 5678", ["66812345678"]),
        ("เลขที่ 12/2569 ลงวันที่ 3", []),
        (f"บัตร {ID}", []),  # the digits of an ID are not a phone number
    ],
)
def test_phone_detector(text, found):
    assert phone_numbers(text) == found


def test_pdf_pages_with_ids_are_named():
    pdf = kit.pdf_bytes(
        "ประกาศรายชื่อผู้มีสิทธิ์สอบ",
        f"1. นายสมชาย ใจดี เลขประจำตัวประชาชน {kit.VALID_ID}",
        "ไม่มีเลข",
        f"เลขที่ไม่ถูกต้อง {kit.INVALID_ID}",
        f"2. นางสาวสมหญิง {OTHER_ID}\n3. นายสมศักดิ์ ๑-๑๐๑๗-๐๐๒๓๐-๗๐-๘",
    )

    found = find_personal_data(pdf, "pdf")

    assert (found.ids, found.id_places, found.unit) == (3, (2, 5), "page")
    with using_locale("en"):
        assert found.describe() == "3 probable national ID numbers, pages 2 and 5"
    with using_locale("th"):
        assert found.describe() == "น่าจะเป็นเลขประจำตัวประชาชน 3 รายการ, หน้า 2 และ 5"


def test_docx_and_xlsx_and_text_are_read():
    book = Workbook()
    book.active.append(["ชื่อ", "เลขบัตร"])
    book.active.append(["สมชาย", int(ID)])  # Excel keeps an ID typed in a cell as a number
    book.create_sheet("ว่าง")
    xlsx = io.BytesIO()
    book.save(xlsx)

    docx = find_personal_data(kit.docx_bytes("รายชื่อ", f"นายสมชาย {kit.VALID_ID}"), "docx")
    sheet = find_personal_data(xlsx.getvalue(), "xlsx")
    text = find_personal_data(f"สมชาย,{ID},081-234-5678".encode(), "csv")

    assert (docx.ids, docx.unit) == (1, "")
    assert find_personal_data(odt_bytes(f"นายสมชาย {kit.VALID_ID}"), "odt").ids == 1
    assert (sheet.ids, sheet.id_places, sheet.unit) == (1, (1,), "sheet")
    assert (text.ids, text.phones) == (1, 1)


def test_a_clean_file_has_nothing_and_says_nothing():
    found = find_personal_data(kit.pdf_bytes("ประกาศเทศบาลเมืองมุกดาหาร เรื่อง รับสมัครงาน"), "pdf")

    assert found == PersonalData(unit="") and not found and found.describe() == ""


def test_the_org_setting_refuses_files_with_ids_outright():
    pdf = kit.pdf_bytes(f"นายสมชาย {kit.VALID_ID}")
    warn = Files(allowed_extensions=("pdf",))
    refuse = Files(allowed_extensions=("pdf",), personal_data="refuse")

    assert inspect_file(pdf, "รายชื่อ.pdf", warn).personal.ids == 1
    with using_locale("th"), pytest.raises(FileRefused) as refused:
        inspect_file(pdf, "รายชื่อ.pdf", refuse)
    assert refused.value.reason == FileProblem.PERSONAL_DATA
    assert "ข้อมูลส่วนบุคคล" in str(refused.value)
    assert inspect_file(kit.pdf_bytes("ไม่มีเลข"), "ประกาศ.pdf", refuse).personal.ids == 0


def odt_bytes(text: str) -> bytes:
    """A minimal OpenDocument text, as LibreOffice writes its parts."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        f"<text:p>รายชื่อ</text:p><text:p>{text}</text:p></office:text></office:body>"
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    return out.getvalue()


FLAGGED = [
    ("line", "telegram", ("รายชื่อผู้มีสิทธิ์.pdf", "pdf"), "หน้า 2"),
    ("telegram", "line", ("รายชื่อผู้มีสิทธิ์.docx", "docx"), "รายการ"),
]


def _file(kind: str, with_ids: bool) -> bytes:
    lines = ("ประกาศรายชื่อผู้มีสิทธิ์สอบ", f"นายสมชาย ใจดี {kit.VALID_ID}" if with_ids else "-")
    return kit.pdf_bytes(*lines) if kind == "pdf" else kit.docx_bytes(*lines)


@pytest.mark.parametrize(("owner_on", "palad_on", "file", "where"), FLAGGED)
async def test_ids_in_a_file_warn_the_owner_and_show_on_the_approvers_card(
    world, owner_on, palad_on, file, where
):
    owner = await world.enrol("สมศรี ใจดี", on=owner_on)
    palad = await world.enrol("ปลัดไพศาล", Role.APPROVER, on=palad_on)
    name, kind = file
    mime = "application/pdf" if kind == "pdf" else DOCX

    await submit_everything(owner, file=(name, _file(kind, True), mime))

    assert any("น่าจะมีข้อมูลส่วนบุคคล" in t and name in t for t in owner.texts)
    req = await Request.get(owner_id=owner.person_id)
    card = next(t for t in palad.texts if f"{req.ref} · " in t)
    assert "ข้อมูลส่วนบุคคล" in card and "เลขประจำตัวประชาชน 1 รายการ" in card
    assert where in card
    [attachment] = await Attachment.filter(request_id=req.id)
    assert attachment.personal["ids"] == 1


@pytest.mark.parametrize(("owner_on", "palad_on", "file", "_where"), FLAGGED)
async def test_a_clean_file_raises_no_warning(world, owner_on, palad_on, file, _where):
    owner = await world.enrol("สมศรี ใจดี", on=owner_on)
    palad = await world.enrol("ปลัดไพศาล", Role.APPROVER, on=palad_on)
    name, kind = file
    mime = "application/pdf" if kind == "pdf" else DOCX

    await submit_everything(owner, file=(name, _file(kind, False), mime))

    req = await Request.get(owner_id=owner.person_id)
    card = next(t for t in palad.texts if f"{req.ref} · " in t)
    assert "ข้อมูลส่วนบุคคล" not in card and name in card
    assert not any("ข้อมูลส่วนบุคคล" in t for t in owner.texts)


async def test_the_approver_can_reject_for_personal_data(world):
    owner = await world.enrol("สมศรี ใจดี", on="line")
    palad = await world.enrol("ปลัดไพศาล", Role.APPROVER, on="telegram")
    await submit_everything(owner, file=("รายชื่อ.pdf", _file("pdf", True), "application/pdf"))

    await palad.taps("ไม่อนุมัติ")
    await palad.taps("มีข้อมูลส่วนบุคคล")

    req = await Request.get(owner_id=owner.person_id)
    assert req.status == "rejected"
    assert "มีข้อมูลส่วนบุคคล" in owner.last_text and req.ref in owner.last_text
