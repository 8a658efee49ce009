"""The website checks as procedure: ask for a check, look at the page outside any transaction, act on it.

A check is a row first (queued), so a hanging page never holds a transaction or the bot:
the `check-pages` sweep claims queued rows, fetches each page with no transaction open, and
then records the outcome with the change it leads to (published, removed, a repair task)
and the notices, in one transaction per page.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import F

import procedure
from core.events import Outgoing
from core.runtime import Runtime
from locales import _
from models.audit import append_event
from models.db import atomic
from models.directory import deciders, people_with_role
from models.enums import Role, Status, TaskKind
from models.people import Person
from models.request import Attachment, Category, PageCheck, Request, Task
from models.workflow import UNFINISHED, WorkflowError, change_tasks
from notices.buttons import button
from notices.outbox import notify
from website.fetch import Limits, client_session
from website.verdict import (
    FAILED,
    PASSED,
    UNCHECKED,
    Expectation,
    Outcome,
    check_gone,
    check_shown,
    describe,
    stored_reason,
)

QUEUED, RUNNING, DONE = "queued", "running", "done"
PUBLISH, TAKEDOWN, WATCH, IMPORT = "publish", "takedown", "watch", "import"
ATTEMPTS_MAX = 5  # a page that could not be checked this often is left to the next watch
PARALLEL = 4  # pages fetched at once by one sweep: the office website is small
BATCH = 200  # checks claimed per sweep run
LEASE = timedelta(minutes=30)  # far longer than a run: 200 pages, 4 at a time, 10 s at worst
WATCHED = (Status.PUBLISHED, Status.EXPIRED, Status.REMOVED)


def limits_of(rt: Runtime) -> Limits:
    site = rt.org.website
    return Limits(
        rt.org.organization.website,
        timeout=site.check_timeout_seconds,
        max_bytes=site.check_max_bytes,
    )


async def expectation_of(req: Request) -> Expectation:
    """What the page of a request should carry: its files, else (a web link) its title."""
    return (await _expectations({req.id}))[req.id][1]


async def ask_check(
    rt: Runtime,
    req: Request,
    kind: str,
    url: str,
    now: datetime,
    *,
    actor_id: int | None = None,
    task_id: int | None = None,
) -> PageCheck:
    """Queue a look at a page; the check-pages sweep does it (callers may be in a transaction)."""
    return await PageCheck.create(
        request_id=req.id, task_id=task_id, actor_id=actor_id, kind=kind, url=url, due_at=now
    )


async def ask_publication_check(
    rt: Runtime, req: Request, task: Task, url: str, actor_id: int, now: datetime
) -> PageCheck:
    """The webmaster says it is on the website at url: look before telling the owner."""
    await PageCheck.filter(request_id=req.id, kind=PUBLISH, state=QUEUED).update(state=DONE)
    return await ask_check(rt, req, PUBLISH, url, now, actor_id=actor_id, task_id=task.id)


async def ask_takedown_check(
    rt: Runtime, req: Request, task: Task, actor_id: int, now: datetime
) -> PageCheck:
    """The webmaster says it is off the website: look before recording it removed."""
    url = req.published_url or task.url
    await PageCheck.filter(request_id=req.id, kind=TAKEDOWN, state=QUEUED).update(state=DONE)
    return await ask_check(rt, req, TAKEDOWN, url, now, actor_id=actor_id, task_id=task.id)


@dataclass
class Looked:
    check: PageCheck
    request: Request
    outcome: Outcome


async def check_pages(rt: Runtime, now: datetime) -> int:
    """The sweep: look at every queued page that is due and act on what it shows; the count."""
    claimed = await _claim_due(rt, now)
    if not claimed:
        return 0
    looked = await _look_all(rt, claimed)
    repairing = set(
        await Task.filter(
            request_id__in=[c.request_id for c in claimed],
            kind=TaskKind.REPAIR,
            status__in=list(UNFINISHED),
        ).values_list("request_id", flat=True)
    )
    found: list[Looked] = []
    quiet: list[int] = []
    for item in looked:
        if _seen_as_before(item, repairing):
            quiet.append(item.check.id)
        elif await record(rt, item, now):
            found.append(item)
    for start in range(0, len(quiet), BATCH):
        await PageCheck.filter(id__in=quiet[start : start + BATCH]).update(
            state=DONE, result=PASSED, code="", detail="", http_status=200, checked_at=now
        )
    if found:
        await _tell_webmasters_of_watch(rt, found)
    return len(looked)


async def _claim_due(rt: Runtime, now: datetime) -> list[PageCheck]:
    """Take the due checks for this run: locked and skipped by other instances on PostgreSQL,
    behind the one writer on SQLite. A claim is a lease: a check left running by a process
    that died is due again when its lease ends."""
    async with atomic():
        due = (
            await PageCheck.filter(
                state__in=[QUEUED, RUNNING], due_at__lte=now, request__org_id=rt.org_id
            )
            .order_by("id")
            .limit(BATCH)
            # Only the checks are locked: the join to the request must not lock (or, skipped,
            # leave out) a check whose request another sweep is changing meanwhile.
            .select_for_update(skip_locked=True, of=("page_check",))
        )
        if due:
            await PageCheck.filter(id__in=[c.id for c in due]).update(
                state=RUNNING, attempts=F("attempts") + 1, due_at=now + LEASE
            )
    for check in due:
        check.attempts += 1
    return due


def _seen_as_before(item: Looked, repairing: set[int]) -> bool:
    """A watch that found a published page as it was: nothing to do but note the look."""
    check, req, outcome = item.check, item.request, item.outcome
    return (
        check.kind in (WATCH, IMPORT)
        and outcome.passed
        and outcome.status == 200
        and req.status == Status.PUBLISHED
        and outcome.found_sha256 == req.web_sha256
        and req.id not in repairing
    )


async def _look_all(rt: Runtime, checks: list[PageCheck]) -> list[Looked]:
    """Fetch the pages, a few at a time, with no transaction open."""
    limits = limits_of(rt)
    expectations = await _expectations({c.request_id for c in checks})
    gate = asyncio.Semaphore(PARALLEL)
    async with client_session() as session:

        async def look(check: PageCheck) -> Looked:
            req, expect = expectations[check.request_id]
            async with gate:
                if check.kind == TAKEDOWN:
                    outcome = await check_gone(session, check.url, expect, limits)
                else:
                    outcome = await check_shown(session, check.url, expect, limits)
            return Looked(check, req, outcome)

        return list(await asyncio.gather(*(look(c) for c in checks)))


async def _expectations(request_ids: set[int]) -> dict[int, tuple[Request, Expectation]]:
    """The requests of a sweep's checks and what each page should carry, in three queries."""
    ids = sorted(request_ids)
    requests = await Request.filter(id__in=ids)
    files: dict[int, set[str]] = {}
    for rid, sha in await Attachment.filter(request_id__in=ids).values_list("request_id", "sha256"):
        files.setdefault(rid, set()).add(sha)
    links = set(
        await Category.filter(
            id__in={r.category_id for r in requests if r.category_id}, link_allowed=True
        ).values_list("id", flat=True)
    )
    found = {}
    for req in requests:
        shas = files.get(req.id, set()) | ({req.web_sha256} if req.web_sha256 else set())
        by_title = not shas or (req.category_id in links and bool(req.external_link))
        found[req.id] = (req, Expectation(frozenset(shas), req.title, by_title))
    return found


async def record(rt: Runtime, item: Looked, now: datetime) -> bool:
    """Record one outcome and what it leads to; True when the watch found something wrong."""
    check, outcome = item.check, item.outcome
    retry = outcome.result == UNCHECKED and check.attempts < ATTEMPTS_MAX
    async with atomic():
        await PageCheck.filter(id=check.id).update(
            state=QUEUED if retry else DONE,
            result=outcome.result,
            code=outcome.code,
            detail=outcome.detail[:500],
            http_status=outcome.status,
            checked_at=now,
            due_at=now + timedelta(minutes=rt.org.website.recheck_minutes),
        )
        if check.kind in (PUBLISH, TAKEDOWN):
            await append_event(
                rt.org_id,
                f"website.{check.kind}",
                actor_id=check.actor_id,
                request_id=item.request.id,
                at=now,
                data={"url": check.url, "result": outcome.result, "code": outcome.code},
            )
        if check.kind == PUBLISH:
            await _publication_checked(rt, item, now, first=check.attempts == 1)
        elif check.kind == TAKEDOWN:
            await _takedown_checked(rt, item, now, first=check.attempts == 1)
        else:
            return await _watched(rt, item, now)
    return False


async def _tell(rt: Runtime, person_id: int | None, req: Request, build) -> None:
    who = await Person.get_or_none(id=person_id) if person_id else None
    if who is not None:
        await notify(
            who, build, default_locale=rt.default_locale, request_id=req.id, kind="website.check"
        )


async def _publication_checked(rt: Runtime, item: Looked, now: datetime, *, first: bool) -> None:
    check, req, outcome = item.check, item.request, item.outcome
    if outcome.passed:
        try:
            await procedure.transition(
                rt, req.id, "publish", check.actor_id, now=now, url=check.url
            )
        except WorkflowError as refusal:
            said = refusal.message
            await _tell(rt, check.actor_id, req, lambda _locale: Outgoing(text=said))
            return
        await Request.filter(id=req.id).update(web_check=PASSED, web_sha256=outcome.found_sha256)
        await _tell(
            rt,
            check.actor_id,
            req,
            lambda _locale: Outgoing(
                text=_(
                    "Checked: the page shows {ref}. It is recorded as published; the owner "
                    "has the link."
                ).format(ref=req.ref)
            ),
        )
        return
    if outcome.result == UNCHECKED and not first and check.attempts < ATTEMPTS_MAX:
        return  # the webmaster was told the first time; the check goes on quietly

    async def build(_locale: str) -> Outgoing:
        reason = describe(outcome.code, outcome.detail)
        if outcome.result == FAILED:
            text = _(
                "The page {url} was checked for {ref}: {reason}. {ref} is not recorded as "
                "published yet."
            )
        else:
            text = _(
                "The page {url} could not be checked for {ref}: {reason}. It will be tried "
                "again; {ref} is not recorded as published yet."
            )
        return Outgoing(
            text=text.format(url=check.url, ref=req.ref, reason=reason),
            buttons=(
                await button(
                    _("Check again"),
                    "check_again",
                    request_id=req.id,
                    task_id=check.task_id,
                    person_id=check.actor_id,
                    data={"check": check.id},
                    style="primary",
                ),
                await button(
                    _("Published anyway"),
                    "publish_anyway",
                    request_id=req.id,
                    task_id=check.task_id,
                    person_id=check.actor_id,
                    data={"check": check.id},
                    style="danger",
                ),
            ),
        )

    await _tell(rt, check.actor_id, req, build)


async def publish_anyway(rt: Runtime, check_id: int, actor_id: int, now: datetime) -> Request:
    """The webmaster confirms a page the check did not pass: published, recorded as unverified."""
    check = await PageCheck.get(id=check_id)
    async with atomic():
        await PageCheck.filter(request_id=check.request_id, kind=PUBLISH, state=QUEUED).update(
            state=DONE
        )
        await procedure.transition(
            rt, check.request_id, "publish", actor_id, now=now, url=check.url, how="unverified"
        )
        await Request.filter(id=check.request_id).update(web_check="unverified")
        req = await Request.get(id=check.request_id)
        reason = describe(check.code, check.detail) if check.code else ""
        for approver in await deciders(rt.org_id, rt.today(now)):
            await notify(
                approver,
                lambda _locale: Outgoing(
                    text=_(
                        "{ref} was recorded as published at {url} without the website check "
                        "passing ({reason}): the webmaster confirmed it."
                    ).format(ref=req.ref, url=check.url, reason=describe(check.code, check.detail))
                ),
                default_locale=rt.default_locale,
                request_id=req.id,
                kind="website.unverified",
            )
        await append_event(
            rt.org_id,
            "website.publish_anyway",
            actor_id=actor_id,
            request_id=req.id,
            at=now,
            data={"url": check.url, "check": check.id, "reason": reason},
        )
    return req


async def check_again(rt: Runtime, check_id: int, actor_id: int, now: datetime) -> PageCheck:
    """Look at the same page once more (after the webmaster fixed it)."""
    check = await PageCheck.get(id=check_id)
    req = await Request.get(id=check.request_id)
    await PageCheck.filter(request_id=req.id, kind=check.kind, state=QUEUED).update(state=DONE)
    return await ask_check(
        rt, req, check.kind, check.url, now, actor_id=actor_id, task_id=check.task_id
    )


async def _takedown_checked(rt: Runtime, item: Looked, now: datetime, *, first: bool) -> None:
    check, req, outcome = item.check, item.request, item.outcome
    if outcome.passed:
        try:
            await procedure.transition(rt, req.id, "remove", check.actor_id, now=now)
        except WorkflowError as refusal:
            said = refusal.message
            await _tell(rt, check.actor_id, req, lambda _locale: Outgoing(text=said))
            return
        await _tell(
            rt,
            check.actor_id,
            req,
            lambda _locale: Outgoing(
                text=_(
                    "Checked: {ref} is off the website. Recorded as taken down; the owner "
                    "has been told."
                ).format(ref=req.ref)
            ),
        )
        return
    if outcome.result == UNCHECKED and not first and check.attempts < ATTEMPTS_MAX:
        return

    async def build(_locale: str) -> Outgoing:
        if outcome.result == FAILED:
            text = _("{ref} is still online at {url}: {reason}. The takedown task stays open.")
        else:
            text = _(
                "The page {url} could not be checked for {ref}: {reason}. It will be tried "
                "again; the takedown task stays open."
            )
        return Outgoing(
            text=text.format(
                url=check.url, ref=req.ref, reason=describe(outcome.code, outcome.detail)
            ),
            buttons=(
                await button(
                    _("Check again"),
                    "check_again",
                    request_id=req.id,
                    task_id=check.task_id,
                    person_id=check.actor_id,
                    data={"check": check.id},
                    style="primary",
                ),
            ),
        )

    await _tell(rt, check.actor_id, req, build)


async def _watched(rt: Runtime, item: Looked, now: datetime) -> bool:
    """A watch or import look: a baseline, a repair task, or a takedown that is overdue."""
    check, req, outcome = item.check, item.request, item.outcome
    if outcome.result == UNCHECKED:
        return False
    unfinished = Task.filter(request_id=req.id, status__in=list(UNFINISHED))
    if outcome.passed:
        await change_tasks(unfinished.filter(kind=TaskKind.REPAIR), "done", done_at=now)
        if outcome.found_sha256 and not req.web_sha256:
            await Request.filter(id=req.id).update(web_sha256=outcome.found_sha256)
        if (
            req.status == Status.REMOVED
            and not await unfinished.filter(kind=TaskKind.TAKEDOWN).exists()
        ):
            # Recorded as taken down but still there: an overdue takedown, chased as one.
            await Task.create(
                request_id=req.id,
                kind=TaskKind.TAKEDOWN,
                due_at=now,
                reason=stored_reason("still_online"),
            )
            return True
        return False
    if req.status != Status.PUBLISHED:
        return False  # gone from an expired or removed item is what was wanted
    if await unfinished.filter(kind=TaskKind.REPAIR).exists():
        return False
    await Task.create(
        request_id=req.id,
        kind=TaskKind.REPAIR,
        due_at=now,
        url=check.url,
        reason=stored_reason(outcome.code, outcome.detail),
    )
    return True


async def _tell_webmasters_of_watch(rt: Runtime, found: list[Looked]) -> None:
    """One message per webmaster with what the watch found."""

    def build(_locale: str) -> Outgoing:
        lines = [_("The website check found pages to look at:")]
        for item in found[:20]:
            reason = (
                describe("still_online")
                if item.outcome.passed
                else describe(item.outcome.code, item.outcome.detail)
            )
            lines.append(
                f"• {item.request.ref or item.request.title} · {item.check.url} · {reason}"
            )
        if len(found) > 20:
            lines.append(_("… and {n} more").format(n=len(found) - 20))
        return Outgoing(text="\n".join(lines))

    async with atomic():
        for webmaster in await people_with_role(rt.org_id, Role.WEBMASTER):
            await notify(webmaster, build, default_locale=rt.default_locale, kind="website.watch")


async def queue_watch(rt: Runtime, now: datetime) -> int:
    """Queue a look at the page of every item that is or was on the website; the count."""
    rows = (
        await Request.filter(org_id=rt.org_id, status__in=list(WATCHED))
        .exclude(published_url="")
        .values_list("id", "published_url")
    )
    queued = set(
        await PageCheck.filter(
            request__org_id=rt.org_id, kind=WATCH, state__in=[QUEUED, RUNNING]
        ).values_list("request_id", flat=True)
    )
    fresh = [
        PageCheck(request_id=rid, kind=WATCH, url=url, due_at=now)
        for rid, url in rows
        if rid not in queued
    ]
    await PageCheck.bulk_create(fresh, batch_size=BATCH)
    return len(fresh)
