"""The morning digest, the monthly completeness report, the audit checkpoint, retention,
failures told to the admins once, and the jobs the server installs.

Expected texts are the neutral message text in English (the renderers add each platform's
look); Thai readers get the same message with Thai dates and Thai category names.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

import procedure
from models.audit import AuditEvent, chain_head, verify_chain
from models.enums import Channel, InboxStatus, OutboxStatus, TaskKind, TaskStatus
from models.messaging import InboxEvent, OutboxMessage
from models.people import Person
from models.request import Request, Task
from scheduler import JOB_IDS, install, jobs, run_all
from scheduler.completeness import completeness_report
from scheduler.digest import morning_digest
from scheduler.housekeeping import audit_checkpoint, prune_retention
from tests.factories import draft
from tests.scheduler_kit import at, cast, published, texts

# The SQL that matters on PostgreSQL runs in this module's other tests; these stay fast.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
async def busy_monday(rt):
    """On Tuesday 5 Jan 2027: a request waits for approval, a task to publish, one to take down."""
    people = await cast(rt)
    ending = await published(rt, people, end=date(2027, 1, 5))
    road = await draft(rt, people["owner"], title="Road closure")
    await procedure.submit(rt, road.id, people["owner"].id, now=at("2027-01-04T09:00"))
    tender = await draft(rt, people["owner"], title="Tender notice")
    await procedure.submit(rt, tender.id, people["owner"].id, now=at("2027-01-04T09:30"))
    await procedure.transition(
        rt, tender.id, "approve", people["approver"].id, now=at("2027-01-04T10:00")
    )
    refs = {r.title: r.ref for r in await Request.filter(id__in=[ending.id, road.id, tender.id])}
    return people, refs


async def test_digest_tells_the_approver_and_each_webmaster_what_waits(rt, busy_monday):
    people, refs = busy_monday
    await Task.filter(kind=TaskKind.PUBLISH, status=TaskStatus.OPEN).update(
        status=TaskStatus.CLAIMED,
        claimed_by_id=people["web2"].id,
        claimed_at=at("2027-01-04T11:00"),
    )
    done = await run_all(rt, at("2027-01-05T08:30"), raise_errors=True)
    assert done["morning-digest"] == 3  # the approver and two webmasters; the owner has none
    assert await texts(people["approver"], "scheduler.digest") == [
        "Good morning. What waits for you on 5 Jan 2027:\n\n"
        f"Requests to approve (1):\n• {refs['Road closure']} Road closure: waiting 23 hours"
    ]
    assert await texts(people["web1"], "scheduler.digest") == [
        "Good morning. What waits for you on 5 Jan 2027:\n\n"
        f"To take down (1):\n• {refs['Job posting']} Job posting: take down by 5 Jan 2027"
    ]
    assert await texts(people["web2"], "scheduler.digest") == [
        "Good morning. What waits for you on 5 Jan 2027:\n\n"
        f"To take down (1):\n• {refs['Job posting']} Job posting: take down by 5 Jan 2027\n\n"
        "Claimed by you, not finished (1):\n"
        f"• {refs['Tender notice']} Tender notice: to publish, waiting 22 hours"
    ]
    assert await texts(people["owner"], "scheduler.digest") == []
    assert (await run_all(rt, at("2027-01-05T10:00")))["morning-digest"] == 0


@SQLITE_ONLY
async def test_digest_in_thai_has_thai_dates(rt, busy_monday):
    people, refs = busy_monday
    await Person.filter(id=people["web1"].id).update(locale="th")
    await morning_digest(rt, at("2027-01-05T08:30"))
    [text] = await texts(people["web1"], "scheduler.digest")
    assert "5 ม.ค. 2570" in text and refs["Tender notice"] in text


@SQLITE_ONLY
async def test_digest_skips_weekends_holidays_and_empty_mornings(rt, busy_monday):
    people, _refs = busy_monday
    assert await morning_digest(rt, at("2027-01-09T08:30")) == 0  # Saturday
    assert await morning_digest(rt, at("2027-01-01T08:30")) == 0  # New Year, an org holiday
    assert await morning_digest(rt, at("2027-01-05T08:29")) == 0  # before the digest time
    await Request.all().update(status="withdrawn")
    await Task.all().update(status=TaskStatus.CANCELLED)
    assert await morning_digest(rt, at("2027-01-06T08:30")) == 0
    assert await OutboxMessage.filter(kind="scheduler.digest").count() == 0
    # Something new later that morning waits for tomorrow's digest, not a second one today.
    await Task.all().update(status=TaskStatus.OPEN)
    assert await morning_digest(rt, at("2027-01-06T11:00")) == 0
    assert await morning_digest(rt, at("2027-01-07T08:30")) == 2
    assert len(await texts(people["web1"], "scheduler.digest")) == 1


@SQLITE_ONLY
async def test_digest_after_downtime_is_sent_once_and_says_it_is_late(rt, busy_monday):
    people, _refs = busy_monday
    assert await morning_digest(rt, at("2027-01-05T11:00")) == 3
    [text] = await texts(people["approver"], "scheduler.digest")
    assert text.startswith(
        "Good morning. What waits for you on 5 Jan 2027:\n"
        "(Sent late: the scheduler was not running at 08:30.)\n\n"
    )


@pytest.fixture
async def website(rt):
    """Published: general and laws (current), PR (2 months old), statistics (last fiscal year)."""
    people = await cast(rt)
    await published(
        rt, people, end=None, category="general", title="Annual plan 2570", when="2026-10-20T10:00"
    )
    await published(rt, people, end=None, category="laws", title="By-law", when="2026-11-25T10:00")
    await published(
        rt,
        people,
        end=date(2027, 3, 1),
        category="public-relations",
        title="Tender",
        when="2026-11-02T10:00",
    )
    await published(
        rt, people, end=None, category="statistics", title="Visitors", when="2026-09-01T10:00"
    )
    return people


COMPLETENESS_EN = """\
Website completeness, January 2027 (fiscal year 2570)

Nothing published (6):
• Knowledge (announcement 1.3)
• Related web links (announcement 1.4)
• Official information (OIA s.7/s.9) (announcement 1.5 · OIA s.7(1), s.7(2), s.7(3), s.7(4), s.7(5), s.9(1), s.9(2), s.9(3), s.9(4), s.9(5), s.9(6), s.9(7), s.9(8))
• Operations manuals (announcement 1.6 · OIA s.9(4) · ITA O14)
• Citizen service manuals and forms (announcement 1.7 · OIA s.9(4) · ITA O15)
• E-services (announcement 1.9 · ITA O18)

Nothing recent enough (2):
• Public relations: newest from 2 Nov 2026; needs one from the last 1 month
• Website statistics and satisfaction: newest from 1 Sep 2026; needs one from this fiscal year (since 1 Oct 2026)

Complete (2/10): General information, Laws and regulations

ITA and OIA items with nothing published (49):
• O1 Organization structure: in General information, titled “โครงสร้าง” or “structure”
• O2 Executives: in General information, titled “ผู้บริหาร” or “executives”
• O3 Powers and duties: in General information, titled “อำนาจหน้าที่” or “powers duties”
• O4 Development or strategic plan: in General information, titled “แผนพัฒนา” or “แผนยุทธศาสตร์”
• O5 Contact information: in General information, titled “ติดต่อ” or “contact”
• O7 News: in Public relations, within 1 month
• O8 Questions and answers: titled “ถาม ตอบ” or “ถาม-ตอบ”
• O9 Social network: in Related web links, titled “facebook” or “เฟซบุ๊ก”
• O10 Personal data protection policy: titled “คุ้มครองข้อมูลส่วนบุคคล” or “privacy”
• O11 Annual operating and spending plan: in General information, this fiscal year, titled “แผนการดำเนินงาน” or “แผนดำเนินงาน”
• O12 Six-month report on operations and spending: in General information, this fiscal year, titled “งบประมาณ 6 เดือน” or “spending six-month”
• O13 Annual performance report: in General information, this fiscal year, titled “รายงานผลการดำเนินงานประจำปี” or “annual report”
• O14 Operations manual or standard: in Operations manuals
• O15 Service manual or standard: in Citizen service manuals and forms
• O16 Service statistics: in Website statistics and satisfaction, this fiscal year, titled “สถิติการให้บริการ” or “service statistics”
…and 34 more: O17, O18, O19, O21, O22, O23, O24, O25, O26, O27, O28, O29, O30, O31, O32, O33, O34, O35, O36, O37, O38, O39, O40, O41, O42, O43, s.7(1), s.7(2), s.7(3), s.9(1), s.9(2), s.9(3), s.9(4), s.9(8)

Checked against the category checklist: Government Website Standard v2.0 (EGA, B.E. 2560), OIA s.7 and s.9.
ITA items are numbered as in fiscal year 2566: check the NACC manual of 2570."""


async def test_completeness_report_on_the_first_working_morning_of_the_month(rt, website):
    people = website
    # 1 Jan is a holiday and 2-3 Jan a weekend: the report comes on Monday 4 Jan.
    assert await completeness_report(rt, at("2027-01-01T09:00")) == 0
    assert await completeness_report(rt, at("2027-01-04T08:29")) == 0
    assert await completeness_report(rt, at("2027-01-04T08:30")) == 2
    assert await texts(people["web1"], "scheduler.completeness") == [COMPLETENESS_EN]
    assert await completeness_report(rt, at("2027-01-20T08:30")) == 0
    assert await completeness_report(rt, at("2027-02-01T08:30")) == 2


@SQLITE_ONLY
async def test_completeness_report_in_thai_names_categories_in_thai(rt, website):
    people = website
    await Person.filter(id=people["web2"].id).update(locale="th")
    await completeness_report(rt, at("2027-01-04T08:30"))
    [text] = await texts(people["web2"], "scheduler.completeness")
    for thai in (
        "มกราคม 2570",
        "ประชาสัมพันธ์",
        "2 พ.ย. 2569",
        "1 ต.ค. 2569",
        "บริการออนไลน์ (e-Service)",
    ):
        assert thai in text, thai


@SQLITE_ONLY
async def test_completeness_checklist_is_extended_by_the_org(rt, website):
    people = website
    rt.data_dir.mkdir(parents=True, exist_ok=True)
    (rt.data_dir / "checklist.toml").write_text(
        '[categories.laws]\nfreshness = "days:30"\n[categories.laws.ita]\n2570 = ["O6"]\n',
        encoding="utf-8",
    )
    await completeness_report(rt, at("2027-01-04T08:30"))
    [text] = await texts(people["web1"], "scheduler.completeness")
    assert (
        "• Laws and regulations: newest from 25 Nov 2026; needs one from the last 30 days" in text
    )
    assert "Complete (1/10): General information" in text
    assert "ITA items are numbered as in fiscal year" not in text


async def test_audit_checkpoint_tells_the_admins_the_chain_head_daily(rt, busy_monday):
    people, _refs = busy_monday
    assert await audit_checkpoint(rt, at("2027-01-05T08:29")) == 0
    assert await audit_checkpoint(rt, at("2027-01-05T08:30")) == 1
    assert await audit_checkpoint(rt, at("2027-01-05T17:00")) == 0
    assert await audit_checkpoint(rt, at("2027-01-09T08:30")) == 1  # weekends too
    seq, digest = await chain_head(rt.org_id)
    assert (await texts(people["admin"], "scheduler.audit"))[0] == (
        f"Audit checkpoint 5 Jan 2027: event {seq}, hash {digest}. Keep this message; "
        f"`webpub audit verify --expect-head {seq}:{digest}` shows whether the chain still "
        "leads here."
    )


async def test_retention_prunes_traffic_but_never_the_audit_chain(rt, busy_monday):
    now = at("2027-06-01T03:17")
    old, recent = now - timedelta(days=91), now - timedelta(days=10)
    handled = (InboxStatus.DONE, InboxStatus.DONE, InboxStatus.DONE, InboxStatus.FAILED)
    for n, (when, status) in enumerate(zip((old, old, recent, old), handled, strict=True)):
        event = await InboxEvent.create(
            channel=Channel.TELEGRAM, event_id=f"u{n}", payload={}, status=status
        )
        await InboxEvent.filter(id=event.id).update(received_at=when)
    await OutboxMessage.all().update(created_at=old)  # the pending ones stay: not delivered
    ids = await OutboxMessage.all().order_by("id").limit(4).values_list("id", flat=True)
    await OutboxMessage.filter(id__in=ids[:3]).update(status=OutboxStatus.SENT)
    await OutboxMessage.filter(id=ids[3]).update(status=OutboxStatus.DEAD)
    audit_before = await AuditEvent.all().count()
    outbox_before = await OutboxMessage.all().count()
    assert await prune_retention(rt, now) == 5
    # The failed event and the dead message wait for an operator, however old.
    assert await InboxEvent.all().count() == 2
    assert await InboxEvent.filter(status=InboxStatus.FAILED).count() == 1
    assert await OutboxMessage.all().count() == outbox_before - 3
    assert await OutboxMessage.filter(status=OutboxStatus.DEAD).count() == 1
    assert await AuditEvent.all().count() == audit_before > 0
    assert (await verify_chain(rt.org_id)).ok
    assert await prune_retention(rt, now) == 0


async def test_failing_sweep_is_logged_retried_and_told_to_admins_once(
    rt, busy_monday, monkeypatch
):
    people, _refs = busy_monday

    async def broken(rt, now):
        raise RuntimeError("disk full")

    working = jobs.JOBS
    monkeypatch.setattr(
        jobs,
        "JOBS",
        tuple(
            dataclasses.replace(j, sweep=broken) if j.id == "review-items" else j for j in working
        ),
    )
    first = await run_all(rt, at("2027-01-05T08:30"))
    assert first["review-items"] == -1 and first["expire-items"] == 1  # the others still ran
    assert (await run_all(rt, at("2027-01-05T08:35")))["review-items"] == -1
    assert await texts(people["admin"], "scheduler.sweep-failure") == [
        "The scheduler job review-items failed: disk full. It is retried at its next run; "
        "you will hear again only if it fails again after working."
    ]
    monkeypatch.setattr(jobs, "JOBS", working)
    assert (await run_all(rt, at("2027-01-05T08:40")))["review-items"] == 0
    monkeypatch.setattr(
        jobs,
        "JOBS",
        tuple(
            dataclasses.replace(j, sweep=broken) if j.id == "review-items" else j for j in working
        ),
    )
    await run_all(rt, at("2027-01-05T08:45"))
    assert len(await texts(people["admin"], "scheduler.sweep-failure")) == 2


@SQLITE_ONLY
async def test_install_adds_every_job_in_the_org_time_zone(rt):
    scheduler = AsyncIOScheduler(timezone=rt.tz)
    install(scheduler, rt)
    added = {job.id: job for job in scheduler.get_jobs()}
    assert (
        tuple(added)
        == JOB_IDS
        == (
            "expire-items",
            "open-tasks",
            "watch-website",
            "check-pages",
            "warn-expiring",
            "chase-takedowns",
            "escalate-approvals",
            "escalate-tasks",
            "chase-verbal",
            "review-items",
            "morning-digest",
            "completeness-report",
            "audit-checkpoint",
            "prune-retention",
            "close-idle-dialogs",
        )
    )
    assert all(job.trigger.timezone == rt.tz for job in added.values())
    assert str(added["prune-retention"].trigger) == "cron[hour='3', minute='17']"
    assert str(added["expire-items"].trigger) == "cron[minute='*/5']"
