"""`webpub export register`: a fiscal year's requests, one row each, in XLSX and in CSV."""

from __future__ import annotations

import asyncio
import csv
import io
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

import procedure
from core.org_config import load_org_config
from core.runtime import Runtime
from core.thaidate import fiscal_year, fiscal_year_range
from models.db import database
from models.directory import ensure_organization
from tests import records_kit as kit
from tests.console import ORG_EXAMPLE, Operator, copy_database, operator

MARCH = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok, 2 มี.ค. 2569: fiscal 2569
JUNE = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
AUGUST = datetime(2026, 8, 20, 4, 0, tzinfo=UTC)
NEXT_YEAR = datetime(2026, 10, 5, 3, 0, tzinfo=UTC)  # fiscal 2570


async def seed_year(rt: Runtime) -> None:
    """Fiscal 2569: one published then taken down, one verbal, one rejected; one of 2570."""
    who = await kit.office(rt)
    first = await kit.decided_by_button(
        rt, who, at=MARCH, title="ประกาศผลการจัดซื้อจัดจ้าง มีนาคม", publish=MARCH.date(), days=30
    )
    await procedure.transition(rt, first.id, "expire", None, now=MARCH + timedelta(days=31))
    await procedure.transition(
        rt, first.id, "remove", who.webmaster.id, now=MARCH + timedelta(days=31, hours=3)
    )
    await kit.decided_verbally(rt, who, at=JUNE)
    rejected = await kit.new_request(rt, who, title="ภาพกิจกรรมวันแม่", publish=AUGUST.date())
    await procedure.submit(rt, rejected.id, who.owner.id, now=AUGUST)
    await procedure.transition(
        rt,
        rejected.id,
        "reject",
        who.palad.id,
        now=AUGUST + timedelta(hours=5),
        reason_code="mission",
        reason="ไม่เกี่ยวข้องกับภารกิจของหน่วยงาน",
    )
    await kit.decided_by_button(rt, who, at=NEXT_YEAR, title="ประกาศปีงบประมาณถัดไป")


@pytest.fixture(scope="module")
def seeded(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Operator:
    home = tmp_path_factory.mktemp("register")
    admin = operator(home, copy_database(sqlite_template, home / "webpub.sqlite3"))

    async def seed() -> None:
        async with database(admin.database_url):
            org = load_org_config(ORG_EXAMPLE)
            row = await ensure_organization(org)
            rt = Runtime(
                row.id, org, ZoneInfo("Asia/Bangkok"), "th", "http://x", home / "data", b"k" * 32
            )
            await seed_year(rt)

    asyncio.run(seed())
    return admin


def test_fiscal_year_runs_from_october_to_september():
    assert fiscal_year(date(2025, 9, 30)) == 2568
    assert fiscal_year(date(2025, 10, 1)) == 2569
    assert fiscal_year(date(2026, 9, 30)) == 2569
    assert fiscal_year_range(2569) == (date(2025, 10, 1), date(2026, 9, 30))


def test_register_xlsx_has_a_row_per_request_of_the_fiscal_year(seeded, tmp_path):
    out = tmp_path / "register.xlsx"

    result = seeded.run(
        "export", "register", "--fiscal-year", "2569", "--format", "xlsx", "-o", str(out)
    )

    assert result.returncode == 0, result.stderr
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "ปีงบประมาณ 2569" in rows[0][0] and "เทศบาลเมืองมุกดาหาร" in rows[0][0]
    header = rows[1]
    body = [dict(zip(header, row, strict=True)) for row in rows[2:]]
    assert [r["ชื่อเรื่อง"] for r in body] == [
        "ประกาศผลการจัดซื้อจัดจ้าง มีนาคม",
        "แจ้งเตือนน้ำท่วมฉับพลัน ถนนสำราญชายโขง",
        "ภาพกิจกรรมวันแม่",
    ]
    first, verbal, rejected = body
    assert first["ผลการพิจารณา"] == "อนุมัติแล้ว"
    assert (first["ผู้พิจารณา"], first["วิธีอนุมัติ"]) == ("นายสมชาย ปลัดเทศบาล", "ปุ่มในแชต")
    assert first["ยื่นเมื่อ"] == "2 มี.ค. 2569 09:00 น."
    assert (first["ชั่วโมงจนพิจารณา"], first["ชั่วโมงจนเผยแพร่"]) == (1, 1)
    assert first["นำลงเมื่อ"] == "2 เม.ย. 2569 12:00 น."
    assert first["URL หน้าเว็บ"] == kit.PAGE
    assert (verbal["วิธีอนุมัติ"], verbal["ผู้พิจารณา"]) == ("ด้วยวาจา", "นายสมชาย ปลัดเทศบาล")
    assert rejected["ผลการพิจารณา"] == "ไม่อนุมัติ"
    assert rejected["เหตุผล"] == "ไม่เกี่ยวข้องกับภารกิจของหน่วยงาน"
    assert rejected["เผยแพร่เมื่อ"] in (None, "")


def test_register_csv_opens_in_the_csv_module_with_thai_intact(seeded, tmp_path):
    out = tmp_path / "register.csv"

    result = seeded.run(
        "export", "register", "--fiscal-year", "2569", "--format", "csv", "-o", str(out)
    )

    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert rows[2]["ชื่อเรื่อง"] == "ภาพกิจกรรมวันแม่"
    assert rows[0]["หมวดหมู่"] == "ประชาสัมพันธ์"
    assert "ประกาศรับสมัคร.pdf" in rows[0]["ไฟล์แนบ"]


def test_register_from_until_picks_any_period(seeded, tmp_path):
    out = tmp_path / "autumn.csv"

    result = seeded.run(
        "export",
        "register",
        "--from",
        "1/6/2569",
        "--until",
        "31/10/2569",
        "--format",
        "csv",
        "-o",
        str(out),
    )

    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert [r["ชื่อเรื่อง"] for r in rows] == [
        "แจ้งเตือนน้ำท่วมฉับพลัน ถนนสำราญชายโขง",
        "ภาพกิจกรรมวันแม่",
        "ประกาศปีงบประมาณถัดไป",
    ]


def test_report_pdf_has_the_years_figures_and_its_charts(seeded, tmp_path):
    out = tmp_path / "report.pdf"

    result = seeded.run("report", "--fiscal-year", "2569", "-o", str(out))

    assert result.returncode == 0, result.stderr
    reader = PdfReader(out)
    text = unicodedata.normalize("NFKC", " ".join(p.extract_text() for p in reader.pages))
    for expected in (
        "รายงานผลการเผยแพร่ข้อมูลผ่านเว็บไซต์ ประจำปีงบประมาณ 2569",
        "ช่วงเวลา: 1 ต.ค. 2568 – 30 ก.ย. 2569",
        "คำขอที่ยื่นทั้งหมด 3",
        "เวลามัธยฐานจนได้รับการพิจารณา 0.7 ชั่วโมง",  # 1 h by button, 20 min verbally
        "นำลงตรงเวลา 1",
        "ยังเผยแพร่อยู่เกินวันสิ้นสุด 1",  # the flood alert ended in June and is still online
        "ไม่เกี่ยวข้องกับภารกิจของหน่วยงาน 1",
    ):
        assert unicodedata.normalize("NFKC", expected) in text, f"{expected!r} not in:\n{text}"
    charts = [image for page in reader.pages for image in page.images]
    assert len(charts) == 2 and all(c.image.width > 600 for c in charts)
