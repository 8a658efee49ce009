"""Bench: the expiry-warning sweep finding the 1,000 items due among 10,000 and 1,000,000.

Requests are written straight into a SQLite file (sqlite3 executemany, one transaction per
batch), 1,000 of them published and ending within the warning lead times, the rest spread
over the other states and far-off end dates. The sweep must find the due ones through the
(status, end_date) index, so the 1,000,000 case should take at most 3x the 10,000 case.

    .venv/bin/python bench/sweep.py
    BENCH_SMALL=10000 BENCH_LARGE=1000000 .venv/bin/python bench/sweep.py
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.org_config import load_org_config  # noqa: E402
from core.runtime import Runtime  # noqa: E402
from models.db import close_db, open_db, upgrade  # noqa: E402
from models.directory import ensure_organization  # noqa: E402
from models.enums import Role, Status  # noqa: E402
from models.people import Identity, Person, RoleAssignment  # noqa: E402
from models.request import Request  # noqa: E402
from scheduler.expiry import warn_expiring  # noqa: E402

SMALL = int(os.environ.get("BENCH_SMALL", "10000"))
LARGE = int(os.environ.get("BENCH_LARGE", "1000000"))
DUE = 1000
OWNERS = 200
BATCH = 50_000
TARGET_RATIO = 3.0
TZ = ZoneInfo("Asia/Bangkok")
NOW = datetime(2027, 1, 5, 9, 0, tzinfo=TZ)
TODAY = NOW.date()
STAMP = datetime(2026, 6, 1, tzinfo=UTC).isoformat(sep=" ")
COLUMNS = (
    "ref, status, version, owner_unit, title, summary, source, publish_date, end_date, "
    "external_link, remarks, urgent, urgent_reason, certified, revision_no, verbal, "
    "published_url, review_due, created_at, updated_at, org_id, owner_id, category_id"
)
# Not due: the states a long-lived database fills up with, and end dates out of range.
BACKGROUND = (
    (Status.REMOVED, -900, -30),
    (Status.REMOVED, -900, -30),
    (Status.EXPIRED, -60, -1),
    (Status.PUBLISHED, 30, 1500),
    (Status.PUBLISHED, None, None),
    (Status.REJECTED, 10, 400),
    (Status.WITHDRAWN, 10, 400),
    (Status.DRAFT, 10, 400),
)


async def prepare(url: str) -> tuple[int, list[int], int]:
    """Migrate, create the organization, its owners and two webmasters with chats."""
    await upgrade(url)
    await open_db(url)
    try:
        org = await ensure_organization(load_org_config(ROOT / "org.example.toml"))
        owners = []
        for n in range(OWNERS + 2):
            person = await Person.create(org_id=org.id, name=f"person {n}", locale="en")
            await Identity.create(
                person_id=person.id, channel="telegram", platform_user_id=str(n), chat_id=str(n)
            )
            if n >= OWNERS:
                await RoleAssignment.create(person_id=person.id, role=Role.WEBMASTER)
            else:
                owners.append(person.id)
        from models.request import Category

        category = await Category.get(org_id=org.id, key="public-relations")
        return org.id, owners, category.id
    finally:
        await close_db()


def rows(start: int, count: int, due: int, org_id: int, owners: list[int], category_id: int):
    """`count` request rows numbered from `start`, the first `due` of them due for a warning."""
    rng = random.Random(start)
    for n in range(start, start + count):
        if n - start < due:
            status, end = Status.PUBLISHED, TODAY + timedelta(days=rng.choice((1, 7)))
        else:
            status, low, high = BACKGROUND[n % len(BACKGROUND)]
            end = None if low is None else TODAY + timedelta(days=rng.randint(low, high))
        review = TODAY + timedelta(days=200) if status == Status.PUBLISHED and end is None else None
        yield (
            f"WP-2569-{n:07d}",
            status.value,
            1,
            "unit",
            f"item {n}",
            "",
            "",
            "2026-06-01",
            end.isoformat() if end else None,
            "",
            "",
            0,
            "",
            1,
            0,
            0,
            "",
            review.isoformat() if review else None,
            STAMP,
            STAMP,
            org_id,
            owners[n % len(owners)],
            category_id,
        )


def insert(path: Path, start: int, count: int, due: int, org: tuple[int, list[int], int]) -> None:
    con = sqlite3.connect(path)
    marks = ", ".join("?" * len(COLUMNS.split(", ")))
    generated = rows(start, count, due, *org)
    while True:
        batch = [row for _n, row in zip(range(BATCH), generated, strict=False)]
        if not batch:
            break
        with con:
            con.executemany(f"INSERT INTO request ({COLUMNS}) VALUES ({marks})", batch)
    con.close()


def forget_sent(path: Path) -> None:
    """Clear what a previous timing sent, so each timing finds the 1,000 due afresh."""
    con = sqlite3.connect(path)
    with con:
        for table in ("reminder", "outbox_message", "button_token"):
            con.execute(f"DELETE FROM {table}")
    con.close()


async def time_sweep(url: str, org_id: int) -> tuple[float, float, int, str]:
    """Seconds for the sweep's query and for the whole sweep at NOW, messages, the query."""
    await open_db(url)
    try:
        org = load_org_config(ROOT / "org.example.toml")
        rt = Runtime(
            org_id, org, TZ, "en", "http://127.0.0.1", Path(tempfile.gettempdir()), b"k" * 32
        )
        query = Request.filter(
            org_id=org_id,
            status=Status.PUBLISHED,
            end_date__gte=TODAY,
            end_date__lte=TODAY + timedelta(days=max(org.reminders.expiry_days)),
        ).order_by("end_date", "id")
        sql = query.sql(params_inline=True)
        await Request.filter(id=1).exists()  # connect before the clock starts
        started = time.perf_counter()
        found = len(await query)
        finding = time.perf_counter() - started
        assert found == DUE, found
        started = time.perf_counter()
        sent = await warn_expiring(rt, NOW)
        return finding, time.perf_counter() - started, sent, sql
    finally:
        await close_db()


def query_plan(path: Path, sql: str) -> str:
    con = sqlite3.connect(path)
    plan = con.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    con.close()
    return "\n".join(f"    {row[-1]}" for row in plan)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        url = f"sqlite://{path}"
        org = asyncio.run(prepare(url))
        started = time.perf_counter()
        insert(path, 0, SMALL, DUE, org)
        print(f"generated {SMALL:,} requests in {time.perf_counter() - started:.1f}s")
        small_query, small, sent, sql = asyncio.run(time_sweep(url, org[0]))
        print(
            f"{SMALL:>9,} requests: finding the {DUE} due {small_query:.3f}s, "
            f"whole sweep {small:.3f}s ({sent} messages)"
        )
        print(f"query plan:\n{query_plan(path, sql)}")

        started = time.perf_counter()
        insert(path, SMALL, LARGE - SMALL, 0, org)
        forget_sent(path)
        print(f"generated {LARGE - SMALL:,} more in {time.perf_counter() - started:.1f}s")
        large_query, large, sent, sql = asyncio.run(time_sweep(url, org[0]))
        print(
            f"{LARGE:>9,} requests: finding the {DUE} due {large_query:.3f}s, "
            f"whole sweep {large:.3f}s ({sent} messages)"
        )
        print(f"query plan:\n{query_plan(path, sql)}")
        ratio, query_ratio = large / small, large_query / small_query
        verdict = "OK" if ratio <= TARGET_RATIO else "TOO SLOW"
        print(
            f"ratio {LARGE:,} / {SMALL:,}: whole sweep {ratio:.2f}, finding {query_ratio:.2f} "
            f"(target <= {TARGET_RATIO}) {verdict}"
        )
        if ratio > TARGET_RATIO:
            sys.exit(1)


if __name__ == "__main__":
    main()
