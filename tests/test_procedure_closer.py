"""The procedure, closer (issue 16): each person's language, publication on its date, revisions
that replace, verbal approvals chased. Played through the webhooks on both platforms."""

from __future__ import annotations

from models.enrol import create_invite
from models.enums import Role
from models.people import Identity, Person
from tests.harness import Actor
from tests.test_decide_publish import office, pending


async def test_language_a_line_user_switches_to_english_and_hears_the_reason_in_english(world):
    o = await office(world)
    await o.owner.says("ภาษา")
    await o.owner.taps("English")
    assert o.owner.last_text == "From now on I will write to you in English."
    assert (await Person.get(id=o.owner.person_id)).locale == "en"

    req = await pending(world, o.owner)
    await o.palad.taps("ไม่อนุมัติ")
    await o.palad.taps("รูปแบบไฟล์")
    assert o.owner.last_text == (
        f"Your request {req.ref} was not approved. Reason: File format not allowed"
    )
    assert "รูปแบบไฟล์" in o.palad.last_text  # the approver reads it in Thai

    await o.owner.says("/language ไทย")
    assert o.owner.last_text == "ต่อจากนี้จะสื่อสารกับท่านเป็นภาษาไทย"


async def test_language_a_typed_reason_reaches_everyone_as_typed(world):
    o = await office(world)
    await o.owner.says("/language en")
    await pending(world, o.owner)
    await o.palad.taps("ไม่อนุมัติ")
    await o.palad.taps("อื่น")
    await o.palad.says("ภาพไม่ชัด")
    assert o.owner.last_text.endswith("Reason: ภาพไม่ชัด")


async def test_language_unknown_choice_is_refused_politely_and_changes_nothing(world):
    o = await office(world)
    await o.web_tg.says("/language klingon")
    assert "ไทย" in o.web_tg.last_text and "English" in o.web_tg.last_text
    assert (await Person.get(id=o.web_tg.person_id)).locale is None


async def test_language_line_enrolment_reads_the_profile_language(world):
    user = "U" + "a" * 32
    world.line.add_profile(user, "Ann", language="en-US")
    code = await create_invite(world.rt.org_id, Role.STAFF, "Ann Smith", key=world.rt.secret_key)
    ann = Actor(world, "line", user, "Ann Smith", language="en")
    await ann.says(code)
    assert ann.last_text.startswith("Welcome, Ann Smith!")
    identity = await Identity.get(channel="line", platform_user_id=user)
    assert identity.language_code == "en-US"
