"""One-time codes: stored as HMACs, guessing throttled and reported, links told to both accounts."""

from __future__ import annotations

import hashlib
import json

import pytest

from models.enrol import WRONG_CODES_MAX, create_invite, normalize_code
from models.enums import Role
from models.messaging import OutboxMessage
from models.people import Identity, InviteCode
from tests.harness import Actor

WRONG = [f"ABCD{n:04d}".replace("0", "Q").replace("1", "R") for n in range(20)]


@pytest.mark.parametrize("platform", ["line", "telegram"])
async def test_twenty_wrong_codes_are_throttled_and_the_admins_told_once(world, platform):
    admin = await world.enrol("ผู้ดูแลระบบ", Role.ADMIN, on="telegram")
    user = "U" + "9" * 32 if platform == "line" else "5999999"
    stranger = Actor(world, platform, user, "คนแปลกหน้า")
    answers = []
    for code in WRONG:
        sent = f"/start {code}" if platform == "telegram" else code
        answers += await stranger.says(sent)
    assert len(answers) == 20
    assert all("ใช้ไม่ได้" in a for a in answers[: WRONG_CODES_MAX - 1])
    assert all("ลองใหม่" in a for a in answers[WRONG_CODES_MAX - 1 :])
    told = [t for t in admin.new_texts() if "รหัส" in t]
    assert len(told) == 1 and ("LINE" if platform == "line" else "Telegram") in told[0]

    # Even the right code waits now: guessing cannot go on by luck.
    code = await create_invite(world.rt.org_id, Role.STAFF, "สมปอง", key=world.rt.secret_key)
    assert "ลองใหม่" in (await stranger.says(code if platform == "line" else f"/start {code}"))[0]
    assert await Identity.filter(platform_user_id=user).count() == 0


async def test_codes_are_stored_as_hmacs_with_the_server_key(world):
    code = await create_invite(world.rt.org_id, Role.STAFF, "สมปอง", key=world.rt.secret_key)
    stored = (await InviteCode.get(name="สมปอง")).code_hash
    assert stored != hashlib.sha256(normalize_code(code).encode()).hexdigest()
    assert code not in stored


async def test_link_tells_both_accounts_and_the_code_is_not_kept(world):
    somchai = await world.enrol("สมชาย", on="line")
    (answer,) = await somchai.says("/link")
    code = answer.rsplit(" ", 1)[-1]
    assert "10" in answer and len(code) == 8
    await world.settle()
    payloads = [
        json.dumps(p, ensure_ascii=False)
        for p in await OutboxMessage.all().values_list("payload", flat=True)
    ]
    assert not any(code in p for p in payloads)  # delivered, then wiped

    on_telegram = Actor(world, "telegram", "5888888", "สมชาย")
    (linked,) = await on_telegram.says(f"/link {code}")
    assert "สมชาย" in linked
    told = somchai.new_texts()
    assert len(told) == 1 and "Telegram" in told[0]
    identities = await Identity.filter(person_id=somchai.person_id).values_list(
        "channel", flat=True
    )
    assert sorted(identities) == ["line", "telegram"]


async def test_a_link_code_lasts_ten_minutes(world):
    from datetime import UTC, datetime, timedelta

    somchai = await world.enrol("สมชาย", on="line")
    (answer,) = await somchai.says("/link")
    code = answer.rsplit(" ", 1)[-1]
    row = await InviteCode.get(kind="link")
    assert row.expires_at - datetime.now(UTC) <= timedelta(minutes=10)
    await InviteCode.filter(id=row.id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    other = Actor(world, "telegram", "5777777", "x")
    (refused,) = await other.says(f"/start {code}")
    assert "ใช้ไม่ได้" in refused
