"""`webpub import items` as an operator runs it: the dry run lists the bad rows, the import the rest."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from core.org_config import load_org_config
from core.runtime import Runtime
from models.db import database
from models.directory import ensure_organization
from models.request import Request
from tests.console import WEBPUB, copy_database, operator
from tests.factories import person
from tests.harness import office_org_file
from tests.test_website_import import HEADER, as_xlsx


async def webpub(op, *args: str) -> tuple[int, str, str]:
    """The console script, run while this loop keeps serving the stand-in website."""
    proc = await asyncio.create_subprocess_exec(
        str(WEBPUB),
        *args,
        env=op.env,
        cwd=op.home,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode, out.decode(), err.decode()


async def test_cli_import_items_dry_run_then_import(sqlite_template: Path, tmp_path: Path, site):
    org_file = office_org_file(tmp_path, site)
    op = operator(
        tmp_path,
        copy_database(sqlite_template, tmp_path / "webpub.sqlite3"),
        org_file,
        WEBPUB_LOCALE="en",
    )
    async with database(op.database_url):
        org = load_org_config(org_file)
        row = await ensure_organization(org)
        rt = Runtime(
            row.id,
            org,
            ZoneInfo("Asia/Bangkok"),
            "en",
            "http://127.0.0.1:8080",
            tmp_path / "data",
            b"k" * 32,
        )
        await person(rt, "สมศรี ใจดี", unit="กองคลัง")
    site.page("/items/1", title="ประกาศราคากลาง")
    site.file("/files/plan.pdf", b"%PDF-1.4 plan\n%%EOF")
    table = [
        HEADER,
        ["ประกาศราคากลาง", "ประชาสัมพันธ์", site.at("/items/1"), "25 พ.ย. 69", "", "สมศรี ใจดี"],
        ["แผนจัดซื้อ", "general", site.at("/files/plan.pdf"), "2026-10-01", "", "Finance Division"],
        ["ข่าวเก่า", "general", "https://example.com/x", "วันที่ 40", "", "ใครก็ไม่รู้"],
    ]
    sheet = tmp_path / "items.xlsx"
    sheet.write_bytes(as_xlsx(table))

    code, out, _err = await webpub(op, "import", "items", str(sheet), "--dry-run")
    assert code == 1
    assert out.splitlines() == [
        f"row 4: url “https://example.com/x” is not on the website {site.url.split('//')[1]}",
        "row 4: published_date “วันที่ 40” is not a date",
        "row 4: owner “ใครก็ไม่รู้” is neither an enrolled person nor a unit with one",
        "Dry run: 2 of 3 rows are ready to import; nothing was imported.",
    ]
    code, out, _err = await webpub(op, "import", "items", str(sheet), "--json")
    report = json.loads(out)
    assert (code, report["imported"], report["checked"]) == (1, 2, 2)
    async with database(op.database_url):
        rows = await Request.filter(imported=True).order_by("id")
        assert [r.title for r in rows] == ["ประกาศราคากลาง", "แผนจัดซื้อ"]
        assert rows[1].web_sha256  # the file on the site, to compare at each watch
