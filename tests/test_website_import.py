"""What was online before webpub: 1,000 items from a CSV or an XLSX, a few rows wrong, under watch after."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import Workbook

from intake.table import read_table
from locales import using_locale
from models.enums import Role, Status
from models.request import PageCheck, Reminder, Request
from procedure.imports import import_items, plan_import
from procedure.website import check_pages
from scheduler.jobs import run_all
from tests.factories import person
from tests.scheduler_kit import at

NOW = at("2026-11-25T10:00")
TODAY = NOW.date()
ITEMS = 1000
HEADER = ["title", "category", "url", "published_date", "end_date", "owner"]
CATEGORY_FORMS = [
    "public-relations",
    "ประชาสัมพันธ์",
    "Public relations",
    "knowledge",
    "กฎหมายและระเบียบ",
]
DATE_FORMS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.day}/{d.month}/{d.year + 543}",
    lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    lambda d: f"{d.day} พ.ย. {str(d.year + 543)[2:]}" if d.month == 11 else d.isoformat(),
    lambda d: d.strftime("%d %b %Y"),
]
EXPIRING = range(10, 1000, 100)  # items whose end date is within the next 7 days


def rows(site) -> tuple[list[list[object]], dict[int, str]]:
    """1,000 items as they sit on the website, and the mistakes put into some rows (by row number)."""
    table = [HEADER]
    for n in range(ITEMS):
        published = TODAY - timedelta(days=30 + n % 300)
        if n in EXPIRING:
            end = TODAY + timedelta(days=1 + n % 6)
        elif n % 3 == 0:
            end = None
        else:
            end = TODAY + timedelta(days=60 + n % 200)
        table.append(
            [
                f"ประกาศที่ {n}",
                CATEGORY_FORMS[n % len(CATEGORY_FORMS)],
                site.at(f"/items/{n}"),
                DATE_FORMS[n % len(DATE_FORMS)](published),
                DATE_FORMS[(n + 1) % len(DATE_FORMS)](end) if end else "",
                "สมศรี ใจดี" if n % 2 else "กองคลัง",
            ]
        )
        site.page(f"/items/{n}", title=f"ประกาศที่ {n}")
    mistakes = {
        # row number (the header is row 1, item n is row n + 2): column, wrong value
        7: ("category", "ข่าวกีฬา"),
        123: ("url", "https://example.com/page"),
        250: ("published_date", "31/02/2569"),
        401: ("end_date", "2026-01-01"),  # before it was published
        555: ("owner", "นายไม่มีตัวตน"),
        777: ("title", ""),
        900: ("url", site.at("/items/5")),  # the same page as row 7... of item 5 (row 7)
    }
    for row, (column, value) in mistakes.items():
        table[row - 1][HEADER.index(column)] = value
    return table, {row: column for row, (column, _v) in mistakes.items()}


def as_csv(table) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(table) -> bytes:
    book = Workbook()
    sheet = book.active
    for record in table:
        # A spreadsheet keeps real dates as dates: put the ISO ones in as such.
        sheet.append([_cell(value) for value in record])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[:4].isdigit():
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_import_1000_items_dry_run_lists_the_bad_rows_then_the_rest_come_under_watch(
    office, site, kind
):
    owner = await person(office, "สมศรี ใจดี", unit="กองคลัง")
    webmaster = await person(office, "วิรัช", Role.WEBMASTER)
    table, wrong = rows(site)
    content = as_csv(table) if kind == "csv" else as_xlsx(table)
    parsed = read_table(f"items.{kind}", content)

    with using_locale("en"):
        plan = await plan_import(office, parsed, TODAY)
    assert sorted({int(p.split(":")[0].removeprefix("row ")) for p in plan.problems}) == sorted(
        wrong
    )
    assert len(plan.items) == ITEMS - len(wrong)
    assert "row 7: category “ข่าวกีฬา” is not a category key or name of org.toml" in plan.problems
    assert any(
        p.startswith("row 250: published_date “31/02/2569” is not a date") for p in plan.problems
    )
    assert f"row 900: url “{site.at('/items/5')}” is also in row 7" in plan.problems
    with using_locale("th"):
        thai = await plan_import(office, parsed, TODAY)
    assert thai.problems[0].startswith("แถว 7:")
    assert await Request.filter(imported=True).count() == 0  # a plan imports nothing

    made = await import_items(office, plan, NOW)
    assert len(made) == ITEMS - len(wrong)
    while await check_pages(office, NOW):
        pass
    checks = await PageCheck.filter(kind="import").values_list("result", flat=True)
    assert len(checks) == len(made) and set(checks) == {"passed"}
    assert await Request.filter(imported=True, status=Status.PUBLISHED).count() == len(made)

    done = await run_all(office, NOW + timedelta(minutes=15), raise_errors=True)
    warned = set(await Reminder.filter(kind="expiry").values_list("request_id", flat=True))
    expiring = {r.id for r in made if r.end_date and r.end_date <= TODAY + timedelta(days=7)}
    assert warned == expiring and len(expiring) == len(EXPIRING)
    assert done["warn-expiring"] >= 2  # the owner and the webmaster, one message each
    assert webmaster and owner
