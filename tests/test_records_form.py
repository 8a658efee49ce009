"""The request form: filled from the record, rendered as a person sees it, every field findable.

The reviewed images live in tests/reference/; after a deliberate change of the layout, run
`WEBPUB_UPDATE_REFERENCE=1 .venv/bin/python -m pytest tests/test_records_form.py`, look at the
new images, and commit them.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

import procedure
from core.org_config import load_org_config
from core.runtime import Runtime
from locales import using_locale
from models.audit import AuditEvent
from models.db import database
from models.directory import ensure_organization
from models.enums import Role
from models.request import Attachment
from records.form import render_form, request_form
from tests import records_kit as kit
from tests.console import ORG_EXAMPLE, copy_database, operator
from tests.factories import person

PRINTED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok, 1 ธ.ค. 2569
REFERENCE = Path(__file__).parent / "reference"
DPI = 72
# A pixel differs when its grey level moves by more than this (anti-aliasing moves less) ...
PIXEL_TOLERANCE = 80
# ... and the page matches when fewer than this share of its pixels differ (about 250 pixels),
# room for anti-aliasing; measured: the same page without HarfBuzz shaping (tone marks dropped
# or misplaced) differs by 0.18%, another request's form by 5.8%.
PAGE_TOLERANCE = 0.0005
NO_PDFTOPPM = "pdftoppm (poppler-utils) is not installed: `make test` installs it on Debian/Ubuntu"


def page_image(pdf: bytes, tmp_path: Path) -> Image.Image:
    """The first page as pdftoppm renders it, in grey."""
    if shutil.which("pdftoppm") is None:
        pytest.skip(NO_PDFTOPPM)
    source = tmp_path / "form.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(DPI),
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            source,
            tmp_path / "page",
        ],
        check=True,
        timeout=60,
    )
    return Image.open(tmp_path / "page.png").convert("L")


def differing_share(image: Image.Image, reference: Image.Image) -> float:
    if image.size != reference.size:
        return 1.0
    histogram = ImageChops.difference(image, reference).histogram()
    return sum(histogram[PIXEL_TOLERANCE + 1 :]) / (image.width * image.height)


def text_of(pdf: bytes) -> str:
    """The PDF's text as a reader copies it, compared in NFKC (ำ is written as ํ + า)."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return unicodedata.normalize("NFKC", text)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


async def _forms(rt: Runtime) -> dict[str, tuple[object, bytes]]:
    who = await kit.office(rt)
    button = await kit.decided_by_button(rt, who)
    verbal = await kit.decided_verbally(rt, who)
    with using_locale("th"):
        return {
            name: (req, render_form(await request_form(rt, req, PRINTED)))
            for name, req in (("button", button), ("verbal", verbal))
        }


@pytest.mark.parametrize("kind", ["button", "verbal"])
async def test_form_page_matches_the_reviewed_image(rt, tmp_path, kind):
    _req, pdf = (await _forms(rt))[kind]

    image = page_image(pdf, tmp_path)

    reference = REFERENCE / f"form-{kind}.png"
    if os.environ.get("WEBPUB_UPDATE_REFERENCE"):
        REFERENCE.mkdir(exist_ok=True)
        image.save(reference, optimize=True)
    assert reference.exists(), f"no reviewed image {reference}: see this module's docstring"
    share = differing_share(image, Image.open(reference).convert("L"))
    assert share < PAGE_TOLERANCE, f"{share:.2%} of the page differs from {reference.name}"


async def test_form_image_comparison_notices_a_different_title(rt, tmp_path):
    """The tolerance is not so loose that another request's form would pass for this one."""
    forms = await _forms(rt)
    button = page_image(forms["button"][1], tmp_path)
    (tmp_path / "page.png").unlink()
    verbal = page_image(forms["verbal"][1], tmp_path)

    assert differing_share(button, verbal) > PAGE_TOLERANCE


async def test_form_text_has_every_field_of_a_button_decision(rt):
    req, pdf = (await _forms(rt))["button"]
    text = text_of(pdf)
    [attachment] = await Attachment.filter(request_id=req.id)
    approve = await AuditEvent.get(request_id=req.id, kind="request.publish")

    for expected in (
        "เทศบาลเมืองมุกดาหาร",
        "แบบฟอร์มการขอเผยแพร่ข้อมูลผ่านเว็บไซต์ของหน่วยงาน",
        "เลขที่ WP-2569-0001",
        "วันที่ 25 พ.ย. 2569",
        req.title,
        "รับสมัครพนักงานจ้างทั่วไป 2 อัตรา",
        "ประชาสัมพันธ์",
        "กองคลัง เทศบาลเมืองมุกดาหาร",
        "1 พ.ย. 2569 – 15 ธ.ค. 2569",
        "25 ธ.ค. 2569",
        "https://www.dla.go.th/",
        "ติดประกาศที่บอร์ดหน้าสำนักงานด้วย",
        "ประกาศรับสมัคร.pdf",
        ".pdf (application/pdf)",
        attachment.sha256,
        "ผู้รับผิดชอบการให้ข้อมูล",
        "สมศรี ใจดี",
        "นักวิชาการเงินและบัญชีชำนาญการ",
        "25 พ.ย. 2569 10:00 น.",
        "ผู้อนุมัติรับรอง",
        "นายสมชาย ปลัดเทศบาล",
        "ปลัดเทศบาล",
        "25 พ.ย. 2569 11:00 น.",
        "อนุมัติด้วยปุ่มอนุมัติในแชต",
        "ผู้รับผิดชอบการนำข้อมูลขึ้นเผยแพร่",
        "นางสาวสมหญิง เว็บมาสเตอร์",
        "25 พ.ย. 2569 12:00 น.",
        kit.PAGE,
        "พิมพ์เมื่อ 1 ธ.ค. 2569 09:00 น.",
        f"บันทึกตรวจสอบลำดับที่ {approve.seq}",
        approve.hash,
    ):
        assert nfkc(expected) in text, f"{expected!r} not found in the form's text:\n{text}"


async def test_form_text_of_a_verbal_approval_says_how_and_when_it_was_confirmed(rt):
    _req, pdf = (await _forms(rt))["verbal"]
    text = text_of(pdf)

    for expected in (
        "แจ้งเตือนน้ำท่วมฉับพลัน",
        "ต้องประกาศก่อนวันเปิดรับสมัคร",  # the urgent reason
        "25 พ.ย. 2569 10:15 น.",  # when the approver said yes on the phone
        "อนุมัติด้วยวาจา (ทางโทรศัพท์) บันทึกโดย นางสาวสมหญิง เว็บมาสเตอร์",
        "ยืนยันในแชตเมื่อ 26 พ.ย. 2569 08:00 น.",
        kit.PAGE + "-flood",
    ):
        assert nfkc(expected) in text, f"{expected!r} not found in the form's text:\n{text}"
    assert nfkc("อนุมัติด้วยปุ่มอนุมัติในแชต") not in text


async def test_form_of_a_pending_request_leaves_the_decisions_open(rt):
    who = await kit.office(rt)
    req = await kit.new_request(rt, who)
    await procedure.submit(rt, req.id, who.owner.id, now=kit.SUBMITTED)
    with using_locale("en"):
        text = text_of(render_form(await request_form(rt, req, PRINTED)))

    assert "Request to publish information on the agency website" in text
    assert "Not decided yet" in text and "Not published yet" in text


def test_cli_form_writes_the_pdf_and_records_who_took_it(sqlite_template, tmp_path):
    admin = operator(tmp_path, copy_database(sqlite_template, tmp_path / "webpub.sqlite3"))

    async def seed() -> None:
        async with database(admin.database_url):
            org = load_org_config(ORG_EXAMPLE)
            row = await ensure_organization(org)
            rt = Runtime(
                row.id,
                org,
                ZoneInfo("Asia/Bangkok"),
                "th",
                "http://x",
                tmp_path / "data",
                b"k" * 32,
            )
            await kit.decided_by_button(rt, await kit.office(rt))

    asyncio.run(seed())
    written = admin.run("form", "wp-2569-0001", "-o", str(tmp_path / "form.pdf"))
    default = admin.run("form", "WP-2569-0001")
    unknown = admin.run("form", "WP-2569-0099")

    assert written.returncode == 0, written.stderr
    assert nfkc("เลขที่ WP-2569-0001") in text_of((tmp_path / "form.pdf").read_bytes())
    assert default.returncode == 0 and (tmp_path / "WP-2569-0001.pdf").exists()
    assert unknown.returncode == 1 and "no request WP-2569-0099" in unknown.stderr
    history = admin.run("requests", "show", "WP-2569-0001")
    assert history.stdout.count("event=download.form") == 2


async def test_form_of_a_decision_by_an_acting_approver_says_for_whom(rt):
    who = await kit.office(rt)
    acting = await person(rt, "นายสมพงษ์ รองปลัด", Role.APPROVER)
    req = await kit.new_request(rt, who)
    await procedure.submit(rt, req.id, who.owner.id, now=kit.SUBMITTED)
    await procedure.transition(
        rt, req.id, "approve", acting.id, now=kit.SUBMITTED, acting_for_id=who.palad.id
    )
    with using_locale("th"):
        text = text_of(render_form(await request_form(rt, req, PRINTED)))

    assert nfkc("นายสมพงษ์ รองปลัด") in text
    assert nfkc("รักษาราชการแทน นายสมชาย ปลัดเทศบาล") in text
