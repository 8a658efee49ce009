"""In the chat: a page that does not show the file, Check again after the fix, or Published anyway."""

from __future__ import annotations

from models.enums import Status
from models.request import Request
from records.listing import request_detail
from tests.test_decide_publish import office, pending, put_online


async def test_chat_a_wrong_page_is_explained_then_published_anyway_and_the_approver_sees_it(world):
    o = await office(world)
    req = await pending(world, o.owner)
    await o.palad.taps("อนุมัติ")
    await o.web_line.taps("รับงาน")
    await o.web_line.taps("เผยแพร่แล้ว")
    await o.web_line.says(world.site.at("/news/missing"))
    assert any("หน้าเว็บตอบกลับรหัส 404" in t for t in o.web_line.texts[-2:])
    assert o.web_line.button_labels() == ["ตรวจอีกครั้ง", "ยืนยันว่าเผยแพร่แล้ว"]
    assert (await Request.get(id=req.id)).status == Status.APPROVED
    assert not any(world.site.url in t for t in o.owner.texts)  # the owner has heard nothing yet

    await o.web_line.taps("ยืนยันว่าเผยแพร่แล้ว")
    req = await Request.get(id=req.id)
    assert (req.status, req.web_check) == (Status.PUBLISHED, "unverified")
    assert world.site.at("/news/missing") in o.owner.last_text
    assert "ไม่ผ่าน" in o.palad.last_text and "404" in o.palad.last_text
    assert (await request_detail(world.rt, req.ref))["website_check"] == "unverified"


async def test_chat_check_again_after_the_webmaster_fixed_the_page(world):
    o = await office(world)
    req = await pending(world, o.owner)
    await o.palad.taps("อนุมัติ")
    await o.web_tg.taps("รับงาน")
    await o.web_tg.taps("เผยแพร่แล้ว")
    page = world.site.at("/news/2569/job-001")
    await o.web_tg.says(page)
    assert any("404" in t for t in o.web_tg.texts[-2:])
    await put_online(world, req)
    await o.web_tg.taps("ตรวจอีกครั้ง")
    req = await Request.get(id=req.id)
    assert (req.status, req.web_check) == (Status.PUBLISHED, "passed")
    assert any(t.startswith("ตรวจแล้ว") for t in o.web_tg.texts[-2:])  # in either order
    assert page in o.owner.last_text
