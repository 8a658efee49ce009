"""Who may do what (announcement 2.1, 3.4): nobody decides their own request, a deactivated
person's old cards are refused and their work is handed on, tokens stay in their organization.
Everything goes through the webhooks of both platforms."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from models.enums import Role, Status
from models.messaging import ButtonToken
from models.people import Organization, Person
from models.request import Request
from procedure.delegation import delegate
from procedure.people import deactivate
from tests.factories import draft
from tests.harness import Actor
from tests.test_decide_publish import pending, put_online

OTHER = {"line": "telegram", "telegram": "line"}


def callback(button: dict) -> str:
    return button.get("data") or button.get("callback_data")


@pytest.mark.parametrize("platform", ["line", "telegram"])
async def test_the_owner_is_never_offered_approve_and_a_forged_tap_is_refused(world, platform):
    palad = await world.enrol("ปลัดไพศาล", Role.APPROVER, on=platform)
    deputy = await world.enrol("รองปลัดสมพร", Role.APPROVER, on=OTHER[platform])
    req = await pending(world, palad)  # the Palad asks to publish something of his own

    assert len(palad.texts) == 1  # the welcome only: no card came back to the owner
    labels = [b.get("label") or b.get("text") for m in palad.messages() for b in m["buttons"]]
    assert "อนุมัติ" not in labels
    _card, approve = deputy.find_button("อนุมัติ")

    await palad.taps_data(callback(approve))  # the deputy's button, copied
    assert "ของตนเอง" in palad.last_text
    assert (await Request.get(id=req.id)).status == Status.PENDING
    await deputy.taps("อนุมัติ")
    assert (await Request.get(id=req.id)).status == Status.APPROVED


async def test_an_owner_who_is_the_only_approver_leaves_it_to_the_admins(world):
    palad = await world.enrol("ปลัดไพศาล", Role.APPROVER, on="telegram")
    admin = await world.enrol("ผู้ดูแลระบบ", Role.ADMIN, on="line")
    req = await pending(world, palad)
    assert not palad.messages() or "อนุมัติ" not in palad.button_labels()
    (told,) = admin.new_texts()
    assert req.ref in told and "ผู้อื่น" in told


@pytest.mark.parametrize("platform", ["line", "telegram"])
async def test_a_deactivated_approvers_old_card_is_refused_and_the_acting_approver_decides(
    world, platform
):
    owner = await world.enrol("สมศรี", on="line")
    palad = await world.enrol("ปลัดไพศาล", Role.APPROVER, on=platform)
    acting = await world.enrol("รองปลัดสมพร", on=OTHER[platform])
    admin = await world.enrol("ผู้ดูแลระบบ", Role.ADMIN, on="telegram")
    req = await pending(world, owner)
    _card, old = palad.find_button("อนุมัติ")

    now = datetime.now(UTC)
    today = world.rt.today(now)
    acting_person = await Person.get(id=acting.person_id)
    palad_person = await Person.get(id=palad.person_id)
    await delegate(
        world.rt, acting_person, today, today + timedelta(days=30), now, approver=palad_person
    )
    handed = await deactivate(world.rt, palad_person, admin.person_id, now)
    await world.settle()
    assert handed.decisions == [req.ref]

    await palad.taps_data(callback(old))
    assert "สิ้นสุด" in palad.last_text
    assert (await Request.get(id=req.id)).status == Status.PENDING
    await palad.says("/new")
    assert "สิ้นสุด" in palad.last_text

    assert any(req.ref in t and "ไพศาล" in t for t in acting.texts)
    await acting.taps("อนุมัติ")
    assert (await Request.get(id=req.id)).status == Status.APPROVED


async def test_a_token_of_another_organizations_request_is_refused(world):
    palad = await world.enrol("ปลัดไพศาล", Role.APPROVER, on="telegram")
    other = await Organization.create(
        slug="another-town", name_th="เทศบาลอื่น", name_en="Another", website="https://x.go.th"
    )
    stranger = await Person.create(org_id=other.id, name="คนเมืองอื่น")
    req = await draft(world.rt, stranger)
    await Request.filter(id=req.id).update(org_id=other.id, status=Status.PENDING)
    await ButtonToken.create(token="othertown9", action="approve", request_id=req.id)

    await palad.taps_data("approve:othertown9")
    assert "ใช้งานไม่ได้" in palad.last_text
    assert (await Request.get(id=req.id)).status == Status.PENDING


def test_cli_people_roles_deactivate_activate_and_list(office_cli):
    admin = office_cli
    roles = admin.run("people", "roles", "สมศรี", "--add", "checker", "--add", "webmaster")
    assert roles.returncode == 0, roles.stderr
    assert "checker" in roles.stdout and "webmaster" in roles.stdout
    removed = admin.run("people", "roles", "สมศรี", "--remove", "webmaster")
    assert "webmaster" not in removed.stdout and "checker" in removed.stdout

    off = admin.run("people", "deactivate", "ปลัดสมชาย")
    assert off.returncode == 0, off.stderr and "deactivated" in off.stdout
    again = admin.run("people", "deactivate", "ปลัดสมชาย")
    assert again.returncode == 1 and "ระงับ" in again.stderr
    people = {p["name"]: p for p in json.loads(admin.run("people", "list", "--json").stdout)}
    assert people["ปลัดสมชาย"]["active"] is False
    assert people["สมศรี ใจดี"]["roles"] == "staff,checker"
    table = admin.run("people", "list").stdout
    assert "active" in table.splitlines()[0]

    on = admin.run("people", "activate", "ปลัดสมชาย")
    assert on.returncode == 0, on.stderr
    people = {p["name"]: p for p in json.loads(admin.run("people", "list", "--json").stdout)}
    assert people["ปลัดสมชาย"]["active"] is True
    missing = admin.run("people", "deactivate", "ไม่มีใคร")
    assert missing.returncode == 1 and "ไม่มีใคร" in missing.stderr


@pytest.fixture
def office_cli(sqlite_template, tmp_path):
    from tests.console import copy_database, operator
    from tests.test_cli import _approved_request

    admin = operator(tmp_path, copy_database(sqlite_template, tmp_path / "webpub.sqlite3"))
    asyncio.run(_approved_request(admin.database_url, tmp_path))
    return admin


@pytest.mark.parametrize("platform", ["line", "telegram"])
async def test_a_role_removed_in_chat_counts_from_the_next_tap(world, platform):
    owner = await world.enrol("สมศรี", on="line")
    palad = await world.enrol("ปลัดไพศาล", Role.APPROVER, on=OTHER[platform])
    admin = await world.enrol("ผู้ดูแลระบบ", Role.ADMIN, on=platform)
    req = await pending(world, owner)
    _card, approve = palad.find_button("อนุมัติ")

    listing = (await admin.says("/people"))[-1]
    assert "ปลัดไพศาล" in listing and "ผู้อนุมัติ" in listing
    await admin.taps("ปลัดไพศาล")
    shown = await admin.taps("− ผู้อนุมัติ")
    assert "ผู้อนุมัติ" not in shown[-1].split(":", 1)[1]

    await palad.taps_data(callback(approve))
    assert "ผู้อนุมัติ" in palad.last_text  # "only the approver can decide this"
    assert (await Request.get(id=req.id)).status == Status.PENDING

    await admin.taps("+ ผู้อนุมัติ")
    await palad.taps_data(callback(approve))
    assert (await Request.get(id=req.id)).status == Status.APPROVED


async def test_people_in_chat_invites_and_deactivates_with_the_admins_told(world):
    admin = await world.enrol("ผู้ดูแลระบบ", Role.ADMIN, on="telegram")
    other_admin = await world.enrol("ผู้ดูแลสำรอง", Role.ADMIN, on="line")
    web = await world.enrol("วิรัช", Role.WEBMASTER, on="line")
    await admin.says("/people")
    await admin.taps("เชิญ")
    (invitation,) = await admin.says("สมหญิง รักงาน")
    code = invitation.split(":", 1)[1].split()[0]
    newcomer = Actor(world, "line", "U" + "7" * 32, "สมหญิง")
    assert "สมหญิง รักงาน" in (await newcomer.says(code))[0]

    await admin.says("/people")
    await admin.taps("วิรัช")
    await admin.taps("ระงับการใช้งาน")
    assert not (await Person.get(id=web.person_id)).active
    assert any("วิรัช" in t for t in other_admin.new_texts())
    assert "สิ้นสุด" in (await web.says("/tasks"))[-1]


async def test_a_deactivated_webmasters_claimed_task_opens_again_for_the_other(world):
    owner = await world.enrol("สมศรี", on="line")
    palad = await world.enrol("ปลัดไพศาล", Role.APPROVER, on="telegram")
    leaving = await world.enrol("สุภารัตน์", Role.WEBMASTER, on="line")
    staying = await world.enrol("วิรัช", Role.WEBMASTER, on="telegram")
    admin = await world.enrol("ผู้ดูแลระบบ", Role.ADMIN, on="telegram")
    req = await pending(world, owner)
    await palad.taps("อนุมัติ")
    await leaving.taps("รับงาน")
    staying.new_texts()

    await admin.says("/people")
    await admin.taps("สุภารัตน์")
    await admin.taps("ระงับการใช้งาน")
    (again,) = [t for t in staying.new_texts() if req.ref in t]
    assert "สุภารัตน์" in again
    await staying.taps("รับงาน")
    await staying.taps("เผยแพร่แล้ว")
    await staying.says(await put_online(world, req))
    assert (await Request.get(id=req.id)).status == Status.PUBLISHED


async def test_a_verbal_approval_names_an_approver_other_than_the_recorder(world):
    owner = await world.enrol("สมศรี", on="line")
    palad = await world.enrol("ปลัดไพศาล", Role.APPROVER, Role.WEBMASTER, on="telegram")
    req = await pending(world, owner, urgent=True)
    await palad.says(f"/verbal {req.ref}")
    await palad.taps("โทรศัพท์")
    (refused,) = await palad.taps("เมื่อสักครู่")
    assert "ผู้บันทึก" in refused  # the Palad cannot record his own verbal approval
    assert (await Request.get(id=req.id)).status == Status.PENDING

    deputy = await world.enrol("รองปลัดสมพร", Role.APPROVER, on="line")
    await palad.says(f"/verbal {req.ref}")
    await palad.taps("โทรศัพท์")
    await palad.taps("เมื่อสักครู่")
    assert (await Request.get(id=req.id)).status == Status.APPROVED
    assert any("ยืนยัน" in b for b in deputy.button_labels())  # the deputy is asked to confirm
