"""The weekly watch on a simulated clock: a page gone missing and a file replaced become repair tasks."""

from __future__ import annotations

import hashlib

import procedure
from models.enums import Status, TaskKind, TaskStatus
from models.request import Attachment, Request, Task
from scheduler.jobs import run_all
from tests.factories import draft
from tests.scheduler_kit import at, cast, texts

A_PDF = b"%PDF-1.4 budget plan 2570\n%%EOF"
B_PDF = b"%PDF-1.4 tax calendar 2570\n%%EOF"
PUBLISHED = at("2026-11-25T10:00")  # a Wednesday


async def on_site(rt, people, site, path: str, content: bytes, title: str) -> Request:
    req = await draft(rt, people["owner"], title=title, end_in_days=None)
    await Attachment.filter(request_id=req.id).update(sha256=hashlib.sha256(content).hexdigest())
    await procedure.submit(rt, req.id, people["owner"].id, now=PUBLISHED)
    await procedure.transition(rt, req.id, "approve", people["approver"].id, now=PUBLISHED)
    await procedure.transition(
        rt, req.id, "publish", people["web1"].id, now=PUBLISHED, url=site.at(path)
    )
    return await Request.get(id=req.id)


async def repairs(req: Request) -> list[Task]:
    return await Task.filter(request_id=req.id, kind=TaskKind.REPAIR, status=TaskStatus.OPEN)


async def test_watch_finds_a_missing_page_and_a_replaced_file_once_a_week(office, site):
    people = await cast(office)
    site.file("/files/a.pdf", A_PDF)
    site.page("/news/a", title="Budget plan", links=["/files/a.pdf"])
    site.file("/files/b.pdf", B_PDF)
    a = await on_site(office, people, site, "/news/a", A_PDF, "Budget plan")
    b = await on_site(office, people, site, "/files/b.pdf", B_PDF, "Tax calendar")

    done = await run_all(office, at("2026-11-30T09:00"), raise_errors=True)  # Monday
    assert (done["watch-website"], done["check-pages"]) == (2, 2)
    assert not await repairs(a) and not await repairs(b)
    assert not await texts(people["web1"], prefix="website")

    site.remove("/news/a")
    site.file("/files/b.pdf", b"%PDF-1.4 tax calendar 2570, edited on the site\n%%EOF")
    done = await run_all(office, at("2026-12-01T09:00"), raise_errors=True)  # Tuesday
    assert done["watch-website"] == 0  # once a week

    done = await run_all(office, at("2026-12-07T09:00"), raise_errors=True)  # next Monday
    assert done["check-pages"] == 2
    [task_a], [_task_b] = await repairs(a), await repairs(b)
    told = (await texts(people["web1"], prefix="website"))[-1]
    assert f"{a.ref} · {site.at('/news/a')} · the page answers 404" in told
    assert f"{b.ref} · {site.at('/files/b.pdf')} · the PDF on the page differs" in told
    digest = (await texts(people["web2"], prefix="scheduler.digest"))[-1]
    assert "To repair on the website (2)" in digest and "the page answers 404" in digest

    site.page("/news/a", title="Budget plan", links=["/files/a.pdf"])  # put back
    await run_all(office, at("2026-12-14T09:00"), raise_errors=True)
    assert not await repairs(a) and (await Task.get(id=task_a.id)).status == TaskStatus.DONE
    assert await repairs(b)  # still the other file on the site


async def test_watch_an_item_taken_down_but_still_online_is_a_takedown_again(office, site):
    people = await cast(office)
    site.file("/files/a.pdf", A_PDF)
    req = await on_site(office, people, site, "/files/a.pdf", A_PDF, "Budget plan")
    await procedure.transition(office, req.id, "takedown", people["owner"].id, now=PUBLISHED)
    await procedure.transition(office, req.id, "remove", people["web1"].id, now=PUBLISHED)
    await run_all(office, at("2026-11-30T09:00"), raise_errors=True)
    assert (await Request.get(id=req.id)).status == Status.REMOVED
    task = await Task.get(request_id=req.id, kind=TaskKind.TAKEDOWN, status=TaskStatus.OPEN)
    assert task.due_at is not None
    told = (await texts(people["web1"], prefix="website"))[-1]
    assert "still online" in told
