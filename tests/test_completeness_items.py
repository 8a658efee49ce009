"""The completeness report per checklist item, for a seeded office, through the real bot: the
scheduler runs on a simulated clock and the report reaches webmasters on Telegram and LINE."""

import re

import pytest

from models.enums import Role
from models.people import Person
from scheduler import run_all
from scheduler.completeness import ChecklistError, load_checklist
from tests.scheduler_kit import at, published

SECTION = {"en": "ITA and OIA items with nothing published", "th": "รายการตรวจ ITA"}


def missing_keys(text: str, locale: str) -> list[str]:
    """The item numbers the report lists as missing, in its order (the rest line included)."""
    section = text.split(SECTION[locale], 1)[1].split("\n\n", 1)[0]
    keys = re.findall(r"^• (\S+) ", section, re.M)
    for rest in re.findall(r"^….*?: (.*)$", section, re.M):
        keys += rest.split(", ")
    return keys


def report_of(actor) -> str:
    [report] = [t for t in actor.texts if "2570" in t and SECTION[actor.language] in t]
    return report


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_report_lists_the_missing_items_of_a_seeded_office(world):
    web_en = await world.enrol("Wirat", Role.WEBMASTER, on="telegram", language="en")
    web_th = await world.enrol("วิภา", Role.WEBMASTER, on="line")
    approver = await world.enrol("Palad", Role.APPROVER, on="telegram", language="en")
    owner = await world.enrol("สมชาย", on="line")
    people = {
        "owner": await Person.get(id=owner.person_id),
        "approver": await Person.get(id=approver.person_id),
        "web1": await Person.get(id=web_en.person_id),
    }
    rt = world.rt

    async def online(category: str, title: str, when: str) -> None:
        await published(rt, people, end=None, category=category, title=title, when=when)

    # This fiscal year (from 1 Oct 2026): the operating plan, the structure, last month's
    # procurement results; the annual report is last fiscal year's, so it does not count.
    await online("general", "แผนการดำเนินงาน ประจำปีงบประมาณ 2570", "2026-10-20T10:00")
    await online("general", "โครงสร้างหน่วยงาน เทศบาลเมืองมุกดาหาร", "2026-10-21T10:00")
    await online("public-relations", "สรุปผลการจัดซื้อจัดจ้าง เดือนพฤศจิกายน 2569", "2026-12-10T10:00")
    await online("general", "รายงานผลการดำเนินงานประจำปี 2568", "2026-09-15T10:00")
    await world.settle()

    # 4 Jan 2027 is the month's first working day (1 Jan a holiday, 2-3 Jan a weekend).
    done = await run_all(rt, at("2027-01-04T08:29"), raise_errors=True)
    assert done["completeness-report"] == 0
    done = await run_all(rt, at("2027-01-04T08:30"), raise_errors=True)
    assert done["completeness-report"] == 2
    await world.settle()

    english = report_of(web_en)
    assert english.startswith("Website completeness, January 2027 (fiscal year 2570)")
    assert "• O12 Six-month report on operations and spending: in General information, " in english
    assert "• O13 Annual performance report: in General information, this fiscal year" in english
    # Every item but those the four requests satisfy, in the checklist's order.
    met = {"O1", "O7", "O11", "O21", "s.7(1)", "s.9(3)", "s.9(8)"}
    keys = missing_keys(english, "en")
    assert not met & set(keys) and "O13" in keys
    _used, items = load_checklist().items(2570)
    assert keys == [item.key for item in items if item.key not in met]

    thai = report_of(web_th)
    assert thai.startswith("ความครบถ้วนของข้อมูลบนเว็บไซต์ ประจำเดือนมกราคม 2570 (ปีงบประมาณ 2570)")
    assert "• O13 รายงานผลการดำเนินงานประจำปี: ในหมวดข้อมูลทั่วไป, ของปีงบประมาณนี้" in thai
    assert missing_keys(thai, "th") == keys

    # The report goes out once a month.
    assert (await run_all(rt, at("2027-01-05T08:30")))["completeness-report"] == 0


def test_checklist_items_are_checked_and_extended_by_the_org(tmp_path):
    own = tmp_path / "checklist.toml"
    own.write_text('[ita.2566.O21]\nkeywords = ["สขร.1"]\n', encoding="utf-8")
    _used, items = load_checklist(own).items(2570)
    [o21] = [item for item in items if item.key == "O21"]
    assert o21.keywords == ("สขร.1",) and o21.freshness == "months:1"  # the rest is kept

    own.write_text('[ita.2570.O1]\nname_th = "โครงสร้าง"\n', encoding="utf-8")
    with pytest.raises(ChecklistError, match=r"ita\.2570\.O1\.name_en"):
        load_checklist(own)
    own.write_text('[oia."s.9(6)"]\nname_th = "ก"\nname_en = "a"\nfreshness = "weekly"\n')
    with pytest.raises(ChecklistError, match=r"oia\.s\.9\(6\)\.freshness"):
        load_checklist(own)
