"""Enrolment and the webhook edge on both platforms, through the real SDKs and the emulators."""

from models.enums import Role
from models.messaging import InboxEvent
from models.people import Identity, InviteCode
from tests.emulators import (
    line_body,
    line_signature,
    line_text_event,
    redelivered,
    telegram_text_update,
)
from tests.harness import LINE_SECRET


async def test_enrol_on_line_with_code_links_the_account(world):
    somchai = await world.enrol("สมชาย ใจดี", Role.APPROVER, on="line")
    identity = await Identity.get(channel="line", platform_user_id=somchai.user)
    assert identity.person_id == somchai.person_id
    assert await InviteCode.filter(used_at__isnull=True).count() == 0
    assert "สมชาย ใจดี" in world.line.messages(somchai.user)[0].text


async def test_enrol_on_telegram_with_start_code(world):
    dara = await world.enrol("Dara", on="telegram", language="en")
    texts = await dara.says("/help")
    assert any("/new" in t for t in texts)


async def test_stranger_is_told_how_to_enrol_and_nothing_is_stored(world):
    await world.post_line(line_text_event("U" + "f" * 32, "สวัสดี", line=world.line))
    await world.settle()
    assert "รหัส" in world.line.messages("U" + "f" * 32)[-1].text
    assert await Identity.all().count() == 0


async def test_line_bad_signature_is_401_and_nothing_stored(world):
    event = line_text_event("U" + "a" * 32, "hi", line=world.line)
    assert await world.post_line(event, signature="forged") == 401
    assert await world.post_line(event, signature="") == 401
    assert await InboxEvent.all().count() == 0


async def test_telegram_wrong_secret_is_401(world):
    update = telegram_text_update(4242, "hi", tg=world.tg)
    assert await world.post_telegram(update, secret="wrong") == 401
    assert await world.post_telegram(update, secret=None) == 401
    assert await InboxEvent.all().count() == 0


async def test_malformed_bodies_are_400_never_500(world):
    body = b"{not json"
    response = await world.client.post(
        "/webhooks/line", data=body, headers={"x-line-signature": line_signature(body, LINE_SECRET)}
    )
    assert response.status == 400
    assert await world.post_telegram(b"[]") == 400
    assert await world.post_telegram(b'{"no_update_id": 1}') == 400


async def test_redelivered_line_event_and_repeated_update_are_processed_once(world):
    user = "U" + "b" * 32
    event = line_text_event(user, "สวัสดี", line=world.line)
    assert await world.post_line(event) == 200
    assert await world.post_line(redelivered(event)) == 200
    update = telegram_text_update(777, "hello", tg=world.tg)
    assert await world.post_telegram(update) == 200
    assert await world.post_telegram(update) == 200
    await world.settle()
    assert await InboxEvent.all().count() == 2
    assert len(world.line.messages(user)) == 1
    assert len(world.tg.messages(chat_id=777)) == 1


async def test_body_with_several_events_handles_each(world):
    users = [f"U{i:032x}" for i in range(900, 903)]
    body = line_body(*(line_text_event(u, "hi", line=world.line) for u in users))
    response = await world.client.post(
        "/webhooks/line", data=body, headers={"x-line-signature": line_signature(body, LINE_SECRET)}
    )
    assert response.status == 200
    await world.settle()
    assert all(len(world.line.messages(u)) == 1 for u in users)
