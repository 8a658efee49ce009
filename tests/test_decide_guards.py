"""Who may tap what: copied, forged and expired tokens, races, groups, delegation, hand-over."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from handlers.publish import page_url_error
from models.enums import Role, Status, TaskStatus
from models.messaging import ButtonToken
from models.people import GroupChat
from models.request import Decision, Request, Task
from tests.emulators import (
    line_group_text_event,
    line_join_event,
    telegram_callback_update,
    telegram_group_text_update,
)
from tests.harness import Actor
from tests.test_decide_publish import office, pending

GROUP_TG = -1001234567890
GROUP_LINE = "C" + "4" * 32


async def _unchanged(req: Request) -> None:
    fresh = await Request.get(id=req.id)
    assert (fresh.status, fresh.version) == (Status.PENDING, req.version)
    assert await Decision.filter(request_id=req.id).count() == 0


async def test_copied_approve_token_is_refused_for_staff_webmaster_and_stranger(world):
    o = await office(world)
    req = await pending(world, o.owner)
    _card, approve = o.palad.find_button("อนุมัติ")
    data = approve["callback_data"]

    await o.owner.taps_data(data)
    assert "ผู้อนุมัติ" in o.owner.last_text
    await o.web_tg.taps_data(data)
    assert "ผู้อนุมัติ" in o.web_tg.last_text
    stranger = Actor(world, "line", "U" + "e" * 32, "ใครก็ไม่รู้")
    await stranger.taps_data(data)
    assert "รหัส" in stranger.last_text  # told how to enrol, nothing else
    await _unchanged(req)


async def test_forged_and_expired_tokens_are_refused(world):
    o = await office(world)
    req = await pending(world, o.owner)
    await o.palad.taps_data("approve:forgedtkn9")
    assert "ใช้งานไม่ได้" in o.palad.last_text
    _card, approve = o.palad.find_button("อนุมัติ")
    token = approve["callback_data"].partition(":")[2]
    past = datetime.now(UTC) - timedelta(minutes=1)
    await ButtonToken.filter(token=token).update(expires_at=past)
    await o.palad.taps_data(approve["callback_data"])
    assert "หมดอายุ" in o.palad.last_text
    await _unchanged(req)


async def test_second_webmaster_cannot_claim_a_claimed_task(world):
    o = await office(world)
    req = await pending(world, o.owner)
    await o.palad.taps("อนุมัติ")
    _card, claim = o.web_tg.find_button("รับงาน")
    await o.web_line.taps("รับงาน")
    await o.web_tg.taps_data(claim["callback_data"])
    assert "สุภารัตน์" in o.web_tg.last_text
    task = await Task.get(request_id=req.id)
    assert (task.status, task.claimed_by_id) == (TaskStatus.CLAIMED, o.web_line.person_id)


async def test_approver_cannot_approve_a_withdrawn_request(world):
    o = await office(world)
    req = await pending(world, o.owner)
    await o.owner.says("/status")
    await o.owner.taps("ถอน")
    await o.palad.taps("อนุมัติ")
    assert "ถอน" in o.palad.last_text
    assert (await Request.get(id=req.id)).status == Status.WITHDRAWN
    assert await Decision.filter(request_id=req.id, action="approve").count() == 0


async def _second_phone(world, actor: Actor) -> Actor:
    """The same person's LINE account, linked with /link."""
    texts = await actor.says("/link")
    code = re.search(r"\b[A-HJ-NP-Z2-9]{8}\b", texts[-1])[0]
    phone = Actor(world, "line", "U" + "7" * 32, actor.name, person_id=actor.person_id)
    await phone.says(code)
    phone.new_texts()
    return phone


async def test_two_phones_same_second_exactly_one_decision(world):
    o = await office(world)
    req = await pending(world, o.owner)
    line_phone = await _second_phone(world, o.palad)
    card, approve = o.palad.find_button("อนุมัติ")
    _card, reject = o.palad.find_button("ไม่อนุมัติ")
    await line_phone.taps_data(reject["callback_data"])
    _msg, reason = line_phone.find_button("รูปแบบไฟล์")

    tap = telegram_callback_update(
        int(o.palad.user), approve["callback_data"], card["raw"].message_id, tg=world.tg
    )
    await world.post_telegram(tap)
    await line_phone.taps_data(reason["data"])

    decisions = await Decision.filter(request_id=req.id, action__in=["approve", "reject"])
    assert [d.action for d in decisions] == ["approve"]
    assert (await Request.get(id=req.id)).status == Status.APPROVED
    assert "ปลัดไพศาล" in line_phone.last_text  # told who decided
    # LINE cannot edit its card: the late tap hears the words the Telegram card now shows.
    words = line_phone.last_text.partition("ได้รับการพิจารณาแล้ว: ")[2]
    assert words.startswith("อนุมัติแล้ว โดย ปลัดไพศาล ผ่านปุ่มในแชต เมื่อ")
    edited = next(m for m in o.palad.messages() if m["raw"].edit_date)
    assert edited["text"].endswith("\n\n" + words)


async def test_telegram_webmaster_group_gets_one_card_and_claims_there(world):
    o = await office(world)
    await world.post_telegram(
        telegram_group_text_update(GROUP_TG, int(o.web_tg.user), "/webmastergroup", tg=world.tg)
    )
    await world.settle()
    assert await GroupChat.filter(chat_id=str(GROUP_TG), active=True).count() == 1
    req = await pending(world, o.owner)
    before = len(o.web_line.texts), len(o.web_tg.texts)
    await o.palad.taps("อนุมัติ")

    cards = [m for m in world.tg.messages(chat_id=GROUP_TG) if m.buttons]
    assert len(cards) == 1 and req.ref in cards[0].plain
    assert (len(o.web_line.texts), len(o.web_tg.texts)) == before  # not to each webmaster
    tap = telegram_callback_update(
        int(o.web_tg.user),
        cards[0].buttons[0]["callback_data"],
        cards[0].message_id,
        tg=world.tg,
    )
    tap["callback_query"]["message"]["chat"] = {"id": GROUP_TG, "type": "supergroup", "title": "w"}
    await world.post_telegram(tap)
    await world.settle()
    assert "วิรัช" in world.tg.messages(chat_id=GROUP_TG)[-1].plain
    assert not cards[0].buttons  # the shared card lost its Claim button
    assert (await Task.get(request_id=req.id)).claimed_by_id == o.web_tg.person_id


async def test_line_group_greeted_on_join_then_registered(world):
    o = await office(world)
    await world.post_line(line_join_event(GROUP_LINE, line=world.line))
    await world.post_line(
        line_group_text_event(GROUP_LINE, o.web_line.user, "สวัสดีทุกคน", line=world.line)
    )
    await world.post_line(
        line_group_text_event(GROUP_LINE, o.web_line.user, "/webmastergroup", line=world.line)
    )
    await world.settle()
    said = [m.text for m in world.line.messages(GROUP_LINE)]
    assert len(said) == 2 and "/webmastergroup" in said[0]  # greeted; small talk ignored
    pushes = world.line.push_count
    req = await pending(world, o.owner)
    await o.palad.taps("อนุมัติ")
    group_pushes = world.line.pushes_to(GROUP_LINE)
    assert len(group_pushes) == 1 and world.line.push_count == pushes + 1
    assert req.ref in str(group_pushes[0].message)


async def test_acting_approver_under_delegation_decides_for_the_approver(world):
    o = await office(world)
    deputy = await world.enrol("รองปลัดสมพร", on="line")
    today = datetime.now(UTC).astimezone(world.rt.tz).date()
    until = today + timedelta(days=3)
    await o.palad.says(
        f"/delegate รองปลัด {today.day}/{today.month}/{today.year + 543} "
        f"{until.day}/{until.month}/{until.year + 543}"
    )
    assert "รองปลัดสมพร" in o.palad.last_text
    req = await pending(world, o.owner)
    await deputy.taps("อนุมัติ")
    decision = await Decision.get(request_id=req.id, action="approve")
    assert (decision.person_id, decision.acting_for_id) == (deputy.person_id, o.palad.person_id)

    await o.owner.says("/delegate off")  # staff may not
    assert (await Request.get(id=req.id)).status == Status.APPROVED


async def test_reassign_hands_the_decision_over_and_keeps_the_approver_informed(world):
    o = await office(world)
    deputy = await world.enrol("รองปลัดสมพร", Role.CHECKER, on="telegram")
    req = await pending(world, o.owner)
    await o.palad.says(f"/reassign {req.ref} รองปลัด")
    assert "รองปลัดสมพร" in o.palad.last_text
    await deputy.taps("อนุมัติ")
    decision = await Decision.get(request_id=req.id, action="approve")
    assert (decision.person_id, decision.acting_for_id) == (deputy.person_id, o.palad.person_id)
    assert "รองปลัดสมพร" in o.palad.last_text and req.ref in o.palad.last_text
    await o.web_tg.says(f"/reassign {req.ref} รองปลัด")
    assert "ผู้ดูแลระบบ" in o.web_tg.last_text or "ผู้อนุมัติ" in o.web_tg.last_text


def test_page_url_must_be_on_the_org_website():
    host = "www.mukdahancity.go.th"
    assert page_url_error("https://www.mukdahancity.go.th/a/b?c=1", host) is None
    assert page_url_error("http://mukdahancity.go.th/news", host) is None
    assert page_url_error("https://eservice.mukdahancity.go.th/x", host) is None
    for bad in (
        "https://evil.com/www.mukdahancity.go.th",
        "https://mukdahancity.go.th.evil.com/",
        "ftp://www.mukdahancity.go.th/x",
        "www.mukdahancity.go.th/x",
        "https://www.mukdahancity.go.th/a b",
        "not a url",
    ):
        assert page_url_error(bad, host) is not None, bad
