"""Publication and takedown checked on the (stand-in) office website, and Published anyway recorded."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

import procedure
from models.enums import Status, TaskKind, TaskStatus
from models.request import Attachment, PageCheck, Request, Task
from procedure.website import ask_publication_check, ask_takedown_check, check_again, publish_anyway
from records.listing import request_detail
from scheduler.website import check_website_pages
from tests.factories import draft
from tests.scheduler_kit import at, cast, inbox, texts

PDF = b"%PDF-1.4 job posting 2569 approved version\n%%EOF"
SHA = hashlib.sha256(PDF).hexdigest()
NOW = at("2026-11-25T10:00")


async def approved(rt, people) -> tuple[Request, Task]:
    """An approved request with the approved PDF, its task claimed by the webmaster Wirat."""
    req = await draft(rt, people["owner"], title="Job posting 2569")
    await Attachment.filter(request_id=req.id).update(sha256=SHA)
    await procedure.submit(rt, req.id, people["owner"].id, now=NOW)
    await procedure.transition(rt, req.id, "approve", people["approver"].id, now=NOW)
    task = await Task.get(request_id=req.id, kind=TaskKind.PUBLISH)
    await Task.filter(id=task.id).update(status=TaskStatus.CLAIMED, claimed_by_id=people["web1"].id)
    return await Request.get(id=req.id), task


async def says_published(rt, people, site, path: str) -> Request:
    req, task = await approved(rt, people)
    await ask_publication_check(rt, req, task, site.at(path), people["web1"].id, NOW)
    await check_website_pages(rt, NOW)
    return await Request.get(id=req.id)


async def owner_heard_published(people) -> bool:
    return any("publish" in t.lower() for t in await texts(people["owner"], prefix=""))


async def test_publication_a_correct_page_passes_and_the_owner_gets_the_link(office, site):
    people = await cast(office)
    site.file("/files/job.pdf", PDF)
    site.page("/news/1", title="Job posting 2569", links=["/files/job.pdf"])
    req = await says_published(office, people, site, "/news/1")
    assert (req.status, req.web_check, req.published_url) == (
        Status.PUBLISHED,
        "passed",
        site.at("/news/1"),
    )
    assert "Checked: the page shows" in (await texts(people["web1"], prefix="website"))[-1]
    assert any(site.at("/news/1") in t for t in await texts(people["owner"], prefix=""))


@pytest.mark.parametrize(
    ("setup", "path", "said"),
    [
        (lambda s: None, "/news/404", "the page answers 404"),
        (
            lambda s: (
                s.file("/files/job.pdf", b"%PDF-1.4 another"),
                s.page("/n", links=["/files/job.pdf"]),
            ),
            "/n",
            "the PDF on the page differs from the approved file",
        ),
        (
            lambda s: s.redirect("/moved", f"http://localhost:{s.server.port}/files/job.pdf"),
            "/moved",
            "the page redirects away from the website, to localhost",
        ),
        (
            lambda s: s.huge("/big.pdf", 50 * 1024 * 1024, announced=False),
            "/big.pdf",
            "the page is larger than 20 MB",
        ),
        (lambda s: s.hang("/slow"), "/slow", "the page did not answer within 1 seconds"),
    ],
    ids=["404", "wrong-file", "other-host", "50MB", "hanging"],
)
async def test_publication_a_bad_page_is_reported_precisely_and_not_published(
    office, site, setup, path, said
):
    people = await cast(office)
    setup(site)
    req = await says_published(office, people, site, path)
    assert req.status == Status.APPROVED and req.web_check == ""
    told = (await inbox(people["web1"], prefix="website"))[-1]
    assert said in told.text and "not recorded as published" in told.text
    assert [b.label for b in told.buttons] == ["Check again", "Published anyway"]
    assert not await owner_heard_published(people)


async def test_publication_could_not_check_is_tried_again_later_and_then_passes(office, site):
    people = await cast(office)
    site.hang("/news/1")
    req = await says_published(office, people, site, "/news/1")
    assert "could not be checked" in (await texts(people["web1"], prefix="website"))[-1]
    site.file("/news/1", PDF)  # the website is back
    assert await check_website_pages(office, NOW + timedelta(minutes=5)) == 0  # not yet due
    await check_website_pages(office, NOW + timedelta(minutes=61))
    req = await Request.get(id=req.id)
    assert (req.status, req.web_check) == (Status.PUBLISHED, "passed")


async def test_publication_check_again_after_the_webmaster_fixed_the_page(office, site):
    people = await cast(office)
    req = await says_published(office, people, site, "/news/1")
    check = await PageCheck.filter(request_id=req.id).order_by("-id").first()
    site.file("/files/job.pdf", PDF)
    site.page("/news/1", links=["/files/job.pdf"])
    await check_again(office, check.id, people["web1"].id, NOW)
    await check_website_pages(office, NOW)
    assert (await Request.get(id=req.id)).status == Status.PUBLISHED


async def test_published_anyway_is_recorded_unverified_told_to_the_approver_and_shown(office, site):
    people = await cast(office)
    req = await says_published(office, people, site, "/news/404")
    check = await PageCheck.filter(request_id=req.id).order_by("-id").first()
    await publish_anyway(office, check.id, people["web1"].id, NOW)
    req = await Request.get(id=req.id)
    assert (req.status, req.web_check) == (Status.PUBLISHED, "unverified")
    assert await owner_heard_published(people)
    approver = await texts(people["approver"], prefix="website")
    assert "without the website check passing (the page answers 404)" in approver[-1]
    detail = await request_detail(office, req.ref)
    assert detail["website_check"] == "unverified"
    assert (
        detail["page_checks"][-1]["code"] == "status"
        and detail["page_checks"][-1]["http_status"] == 404
    )
    assert detail["decisions"] == [] or all(d["action"] != "publish" for d in detail["decisions"])
    assert any(h.get("how") == "unverified" or "unverified" in str(h) for h in detail["history"])


async def test_takedown_a_page_still_online_keeps_the_task_open(office, site):
    people = await cast(office)
    site.file("/files/job.pdf", PDF)
    site.page("/news/1", links=["/files/job.pdf"])
    req = await says_published(office, people, site, "/news/1")
    await procedure.transition(office, req.id, "takedown", people["owner"].id, now=NOW)
    task = await Task.get(request_id=req.id, kind=TaskKind.TAKEDOWN)
    await ask_takedown_check(office, req, task, people["web1"].id, NOW)
    await check_website_pages(office, NOW)
    assert (await Request.get(id=req.id)).status == Status.EXPIRED
    assert (await Task.get(id=task.id)).status == TaskStatus.OPEN
    told = (await inbox(people["web1"], prefix="website"))[-1]
    assert "still online" in told.text and "stays open" in told.text
    assert [b.label for b in told.buttons] == ["Check again"]

    site.remove("/news/1")
    check = await PageCheck.filter(request_id=req.id).order_by("-id").first()
    await check_again(office, check.id, people["web1"].id, NOW)
    await check_website_pages(office, NOW)
    assert (await Request.get(id=req.id)).status == Status.REMOVED
    assert (await Task.get(id=task.id)).status == TaskStatus.DONE
    assert "off the website" in (await texts(people["web1"], prefix="website"))[-1]


async def test_publication_a_check_left_running_by_a_crash_is_done_when_its_lease_ends(
    office, site
):
    people = await cast(office)
    site.file("/files/job.pdf", PDF)
    req, task = await approved(office, people)
    check = await ask_publication_check(
        office, req, task, site.at("/files/job.pdf"), people["web1"].id, NOW
    )
    # A process claimed it for 30 minutes and died before recording anything.
    await PageCheck.filter(id=check.id).update(state="running", due_at=NOW + timedelta(minutes=30))
    assert await check_website_pages(office, NOW + timedelta(minutes=10)) == 0
    assert await check_website_pages(office, NOW + timedelta(minutes=31)) == 1
    assert (await Request.get(id=req.id)).status == Status.PUBLISHED
