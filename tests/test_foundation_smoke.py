"""The basics: migrations, a submit-approve-publish round, the audit chain."""

import procedure
from models import workflow
from models.audit import verify_chain
from models.enums import Role, Status
from models.messaging import OutboxMessage
from tests.factories import draft, person


async def test_workflow_submit_approve_publish_notifies_each_party(rt):
    owner = await person(rt, "เจ้าของ")
    approver = await person(rt, "ปลัด", Role.APPROVER)
    webmaster = await person(rt, "เว็บมาสเตอร์", Role.WEBMASTER)
    req = await draft(rt, owner)

    change = await procedure.submit(rt, req.id, owner.id)
    assert change.after == Status.PENDING
    assert change.request.ref.startswith("WP-2569-") or change.request.ref.startswith("WP-25")
    assert [m.person_id for m in change.outbox] == [approver.id]

    change = await procedure.transition(rt, req.id, "approve", approver.id)
    assert sorted(m.person_id for m in change.outbox) == sorted([owner.id, webmaster.id])

    change = await procedure.transition(
        rt, req.id, "publish", webmaster.id, url="https://x.go.th/p/1"
    )
    assert change.after == Status.PUBLISHED
    assert (await verify_chain(rt.org_id)).ok
    # The held-back "approved" notice became part of the "published" one.
    assert await OutboxMessage.filter(kind="approve.owner", status="cancelled").count() == 1


async def test_workflow_second_decision_is_told_who_decided(rt):
    owner = await person(rt)
    approver = await person(rt, "ปลัดสมชาย", Role.APPROVER)
    req = await draft(rt, owner)
    await procedure.submit(rt, req.id, owner.id)
    await procedure.transition(rt, req.id, "approve", approver.id)
    try:
        await procedure.transition(rt, req.id, "reject", approver.id)
    except workflow.AlreadyDecided as exc:
        assert "ปลัดสมชาย" in str(exc)
    else:
        raise AssertionError("a second decision must be refused")
