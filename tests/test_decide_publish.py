"""From a staff member's phone to a page on the website (announcement 2.2.1–2.2.3), end to end.

The default cast: the owner on LINE, the approver (Palad) on Telegram, two webmasters, one on
each platform. Everything goes through the webhooks, the SDKs and the platform emulators.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import procedure
from models.enums import Role, Status, TaskKind, TaskStatus
from models.people import Person
from models.request import Attachment, Decision, Request, Task
from tests.factories import draft
from tests.harness import Actor, World
from tests.test_submit_flow import PDF, submit_everything

PAGE = "/news/2569/job-001"


async def put_online(world: World, req: Request, content: bytes = PDF) -> str:
    """The webmaster's page on the (stand-in) office website, carrying the request's file."""
    await Attachment.filter(request_id=req.id).update(sha256=hashlib.sha256(content).hexdigest())
    world.site.file(f"/files/{req.id}.pdf", content)
    world.site.page(PAGE, title=req.title, links=[f"/files/{req.id}.pdf"])
    return world.site.at(PAGE)


@dataclass
class Office:
    owner: Actor
    palad: Actor
    web_line: Actor
    web_tg: Actor


async def office(world: World) -> Office:
    return Office(
        owner=await world.enrol("สมศรี ใจดี", on="line"),
        palad=await world.enrol("ปลัดไพศาล", Role.APPROVER, on="telegram"),
        web_line=await world.enrol("สุภารัตน์", Role.WEBMASTER, on="line"),
        web_tg=await world.enrol("วิรัช", Role.WEBMASTER, on="telegram"),
    )


async def pending(world: World, owner: Actor, *, urgent: bool = False) -> Request:
    """A request submitted by the owner (made directly: the dialog has its own tests)."""
    req = await draft(world.rt, await Person.get(id=owner.person_id), urgent=urgent)
    await procedure.submit(world.rt, req.id, owner.person_id)
    await world.settle()
    return await Request.get(id=req.id)


async def test_submit_approve_claim_publish_owner_gets_the_link_in_one_push(world):
    o = await office(world)
    await submit_everything(o.owner)
    req = await Request.get(owner_id=o.owner.person_id)
    assert "อนุมัติ" in o.palad.button_labels() and "ไม่อนุมัติ" in o.palad.button_labels()

    await o.palad.taps("อนุมัติ")
    assert (await Request.get(id=req.id)).status == Status.APPROVED
    edits = [e for e in world.tg.edits if str(e.chat_id) == o.palad.user]
    assert [e.reply_markup for e in edits] == [None]  # the card's buttons are gone
    # ... and the card itself says who decided, how and when, for a later reader of the chat.
    card = next(m for m in o.palad.messages() if m["raw"].edit_date)
    assert card["raw"].edit_date is not None and not card["buttons"]
    assert "อนุมัติแล้ว โดย ปลัดไพศาล ผ่านปุ่มในแชต เมื่อ" in card["text"]
    assert any(req.ref in t for t in o.web_line.texts) and any(req.ref in t for t in o.web_tg.texts)

    await o.web_line.taps("รับงาน")
    assert "วิรัช" not in o.web_line.last_text
    task_card = next(m for m in o.web_tg.messages() if m["raw"].edit_date)
    assert "สุภารัตน์ รับงาน" in task_card["text"]  # the other webmaster sees who took it
    assert not any(b.get("text") == "รับงาน" for m in o.web_tg.messages() for b in m["buttons"])
    await o.web_line.taps("เผยแพร่แล้ว")
    await o.web_line.says("https://example.com/page")
    assert world.site.url.split("//")[1] in o.web_line.last_text  # not the org's website
    page = await put_online(world, req, PDF)
    await o.web_line.says(page)

    req = await Request.get(id=req.id)
    assert (req.status, req.published_url, req.web_check) == (Status.PUBLISHED, page, "passed")
    # Checked: the page shows it (the result may arrive before the "checking…" reply).
    assert any(t.startswith("ตรวจแล้ว") for t in o.web_line.texts[-2:])
    owner_pushes = world.line.pushes_to(o.owner.user)
    assert len(owner_pushes) == 1 and page in owner_pushes[0].message["text"]
    # The owner once, the LINE webmaster's task once, and the check's result to that webmaster
    # (it comes after the reply token was spent on "checking…").
    assert world.line.push_count == 3
    print(f"\nLINE pushes, one request from submission to publication: {world.line.push_count}")


async def test_reject_with_reason_then_the_owner_revises_and_it_is_approved(world):
    o = await office(world)
    req = await pending(world, o.owner)

    await o.palad.taps("ไม่อนุมัติ")
    await o.palad.taps("รูปแบบไฟล์")
    old = await Request.get(id=req.id)
    assert old.status == Status.REJECTED
    decision = await Decision.get(request_id=req.id, action="reject")
    assert decision.reason_code == "file_format"
    assert "รูปแบบไฟล์" in o.owner.last_text and req.ref in o.owner.last_text

    await o.owner.taps("แก้ไขคำขอ")
    await o.owner.taps("ส่งคำขอ")
    await o.owner.taps("รับรอง")
    await o.owner.taps("ส่งคำขอ")
    revision = await Request.get(revision_of_id=req.id)
    assert (revision.status, revision.revision_no) == (Status.PENDING, 1)
    assert revision.ref != req.ref

    await o.palad.taps("อนุมัติ")
    assert (await Request.get(id=revision.id)).status == Status.APPROVED


async def test_reject_with_a_typed_reason(world):
    o = await office(world)
    req = await pending(world, o.owner)
    await o.palad.taps("ไม่อนุมัติ")
    await o.palad.taps("อื่น")
    await o.palad.says("ภาพถ่ายไม่ชัด")
    assert (await Decision.get(request_id=req.id, action="reject")).reason == "ภาพถ่ายไม่ชัด"
    assert "ภาพถ่ายไม่ชัด" in o.owner.last_text


async def test_urgent_verbal_approval_by_a_webmaster_published_then_confirmed(world):
    o = await office(world)
    req = await pending(world, o.owner, urgent=True)
    await o.web_tg.says(f"/verbal {req.ref}")
    await o.web_tg.taps("โทรศัพท์")
    await o.web_tg.taps("เมื่อสักครู่")

    req = await Request.get(id=req.id)
    assert (req.status, req.verbal, req.verbal_confirmed) == (Status.APPROVED, True, None)
    decision = await Decision.get(request_id=req.id, action="verbal_approve")
    assert (decision.how, decision.acting_for_id) == ("verbal", o.palad.person_id)
    assert decision.person_id == o.web_tg.person_id
    assert "ยืนยัน" in o.palad.button_labels() and "เพิกถอน" in o.palad.button_labels()

    await o.web_tg.taps("รับงาน")
    await o.web_tg.taps("เผยแพร่แล้ว")
    await o.web_tg.says(await put_online(world, req))
    assert (await Request.get(id=req.id)).status == Status.PUBLISHED
    assert len(world.line.pushes_to(o.owner.user)) == 1  # "approved" and "published" as one

    await o.palad.taps("ยืนยัน")
    assert (await Request.get(id=req.id)).verbal_confirmed is True
    assert await Decision.filter(request_id=req.id, action="confirm").count() == 1


async def test_urgent_verbal_approval_revoked_after_publication_raises_a_takedown(world):
    o = await office(world)
    req = await pending(world, o.owner, urgent=True)
    await o.web_line.says(f"/verbal {req.ref}")
    await o.web_line.taps("ด้วยตนเอง")
    await o.web_line.says("00:01")
    await o.web_line.taps("รับงาน")
    await o.web_line.taps("เผยแพร่แล้ว")
    await o.web_line.says(await put_online(world, req))

    _card, confirm = o.palad.find_button("ยืนยัน")
    await o.palad.taps("เพิกถอน")
    req = await Request.get(id=req.id)
    assert (req.status, req.verbal_confirmed) == (Status.EXPIRED, False)
    task = await Task.get(request_id=req.id, kind=TaskKind.TAKEDOWN)
    assert task.status == TaskStatus.OPEN
    assert "เพิกถอน" in o.owner.last_text
    assert any(req.ref in t for t in o.web_tg.new_texts())

    await o.palad.taps_data(confirm["callback_data"])  # a copied Confirm: too late
    assert (await Request.get(id=req.id)).verbal_confirmed is False
    assert "เพิกถอน" in o.palad.last_text


async def test_webmaster_cannot_publish_and_the_request_is_returned(world):
    o = await office(world)
    req = await pending(world, o.owner)
    await o.palad.taps("อนุมัติ")
    await o.web_tg.taps("รับงาน")
    await o.web_tg.taps("เผยแพร่ไม่ได้")
    await o.web_tg.says("ไฟล์เปิดไม่ได้")

    req = await Request.get(id=req.id)
    assert req.status == Status.RETURNED
    assert "ไฟล์เปิดไม่ได้" in o.owner.last_text and "ไฟล์เปิดไม่ได้" in o.palad.last_text
    task = await Task.get(request_id=req.id)
    assert (task.status, task.reason) == (TaskStatus.RETURNED, "ไฟล์เปิดไม่ได้")
    # the held-back "approved" notice is not sent after the "returned" one
    assert len(world.line.pushes_to(o.owner.user)) == 1


async def test_comment_on_approval_and_the_webmasters_task_list(world):
    o = await office(world)
    req = await pending(world, o.owner, urgent=True)
    await o.web_tg.says("/verbal")
    assert req.ref in " ".join(o.web_tg.button_labels())  # urgent requests to pick from
    await o.web_tg.says("/cancel")
    await o.palad.taps("อนุมัติ")
    await o.palad.taps("ความเห็น")
    await o.palad.says("เผยแพร่ในหน้าแรกด้วย")
    decision = await Decision.get(request_id=req.id, action="approve")
    assert decision.reason == "เผยแพร่ในหน้าแรกด้วย"

    await o.web_line.says("/tasks")
    assert req.ref in o.web_line.last_text
    await o.web_line.taps("รับงาน")
    await o.web_line.says("/tasks")
    assert {"เผยแพร่แล้ว", "เผยแพร่ไม่ได้"} <= set(o.web_line.button_labels())
    await o.owner.says("/tasks")
    assert (await Task.get(request_id=req.id)).claimed_by_id == o.web_line.person_id
