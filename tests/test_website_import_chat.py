"""An admin sends the table of what is already online to the bot, on Telegram, and imports it."""

from __future__ import annotations

from models.enums import Role, Status
from models.request import PageCheck, Request
from tests.test_website_import import HEADER, as_csv


async def test_import_by_chat_admin_sends_a_csv_sees_the_bad_row_and_imports_the_rest(world):
    admin = await world.enrol("อนงค์", Role.ADMIN, on="telegram", language="en")
    await world.enrol("สมศรี ใจดี", on="line")
    site = world.site
    site.page("/items/1", title="ประกาศราคากลาง")
    site.page("/items/2", title="แผนการจัดซื้อ")
    table = [
        HEADER,
        [
            "ประกาศราคากลาง",
            "public-relations",
            site.at("/items/1"),
            "25/11/2569",
            "2026-12-01",
            "สมศรี ใจดี",
        ],
        ["แผนการจัดซื้อ", "Public relations", site.at("/items/2"), "2026-11-01", "", "กองคลัง"],
        ["ข่าวเก่า", "ข่าวกีฬา", site.at("/items/3"), "1 พ.ย. 69", "", "กองคลัง"],
    ]
    await admin.says("/import")
    assert "CSV or XLSX" in admin.last_text
    await admin.sends_file("items.csv", as_csv(table), mime="text/csv")
    said = admin.last_text
    assert "row 4: category “ข่าวกีฬา” is not a category key or name of org.toml" in said
    assert "2 of 3 rows are ready to import." in said
    assert await Request.filter(imported=True).count() == 0

    await admin.taps("Import 2 items")
    assert "Imported 2 items" in admin.last_text
    imported = await Request.filter(imported=True).order_by("id")
    assert [(r.title, r.status) for r in imported] == [
        ("ประกาศราคากลาง", Status.PUBLISHED),
        ("แผนการจัดซื้อ", Status.PUBLISHED),
    ]
    assert set(await PageCheck.filter(kind="import").values_list("result", flat=True)) == {"passed"}
