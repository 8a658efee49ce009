"""A scheduler instance in its own process, for the two-instance test: its own Tortoise and
connection, driven through a pipe; a shared barrier starts the instances' sweeps together.
"""

from __future__ import annotations

import asyncio
import traceback
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import procedure
from core.org_config import load_org_config
from core.runtime import Runtime
from models.db import close_db, open_db
from models.directory import ensure_organization
from models.enums import Role
from models.messaging import OutboxMessage
from models.people import Person
from models.request import Reminder, Request
from scheduler import run_all
from tests.factories import draft, person

ROOT = Path(__file__).resolve().parent.parent
BKK = ZoneInfo("Asia/Bangkok")
BARRIER_TIMEOUT = 60  # seconds


def serve(conn: Connection, barrier: Any) -> None:
    """Entry point of the process: answer commands until told to stop."""
    asyncio.run(_serve(conn, barrier))


async def _serve(conn: Connection, barrier: Any) -> None:
    rt: Runtime | None = None
    while True:
        command, *args = conn.recv()
        try:
            if command == "stop":
                conn.send(("ok", None))
                return
            if command == "open":
                rt = await _open(*args)
                conn.send(("ok", rt.org_id))
            elif command == "close":
                await close_db()
                conn.send(("ok", None))
            elif command == "setup":
                await build_scenario(rt, datetime.fromisoformat(args[0]))
                conn.send(("ok", None))
            elif command == "tick":
                moment, together = args
                if together:
                    barrier.wait(BARRIER_TIMEOUT)
                done = await run_all(rt, datetime.fromisoformat(moment), raise_errors=True)
                conn.send(("ok", done))
            elif command == "dump":
                conn.send(("ok", await dump()))
            else:
                conn.send(("error", f"unknown command {command!r}"))
        except Exception:  # reported to the test, which fails with it
            conn.send(("error", traceback.format_exc()))


async def _open(database_url: str, data_dir: str) -> Runtime:
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    EXECUTOR_CACHE.clear()  # tortoise caches statements by connection name, not engine
    await open_db(database_url)
    org = load_org_config(ROOT / "org.example.toml")
    row = await ensure_organization(org)
    return Runtime(
        org_id=row.id,
        org=org,
        tz=BKK,
        default_locale="th",
        public_url="http://127.0.0.1:8080",
        data_dir=Path(data_dir),
        secret_key=b"k" * 32,
    )


async def _publish(rt: Runtime, owner: Person, approver: Person, web: Person, **how: Any) -> None:
    when: datetime = how.pop("when")
    req = await draft(rt, owner, end_in_days=None, **how)
    await Request.filter(id=req.id).update(end_date=how.get("end"), publish_date=when.date())
    await procedure.submit(rt, req.id, owner.id, now=when)
    await procedure.transition(rt, req.id, "approve", approver.id, now=when)
    await procedure.transition(
        rt, req.id, "publish", web.id, now=when, url=f"https://x.go.th/{req.id}"
    )


async def build_scenario(rt: Runtime, start: datetime) -> None:
    """Three weeks of work: items ending, open-ended items to review, approvals, tasks."""
    owners = [await person(rt, f"owner-{n}", locale="en") for n in range(3)]
    approver = await person(rt, "palad", Role.APPROVER, locale="en")
    webs = [await person(rt, f"web-{n}", Role.WEBMASTER, locale="en") for n in range(2)]
    await person(rt, "admin", Role.ADMIN, locale="en")
    for n, end in enumerate(
        (
            date(2026, 12, 24),
            date(2026, 12, 28),
            date(2026, 12, 31),
            date(2027, 1, 3),
            date(2027, 1, 5),
        )
    ):
        owner = owners[n % 3]
        await _publish(
            rt, owner, approver, webs[0], title=f"item {n}", when=start - timedelta(days=20)
        )
        await Request.filter(title=f"item {n}").update(end_date=end)
    # The same owner's two items end the same day: one message lists both.
    await _publish(
        rt, owners[0], approver, webs[0], title="item twin", when=start - timedelta(days=20)
    )
    await Request.filter(title="item twin").update(end_date=date(2027, 1, 5))
    for n in range(2):
        await _publish(
            rt,
            owners[n],
            approver,
            webs[1],
            title=f"by-law {n}",
            category="laws",
            when=start - timedelta(days=364 - n),
        )
    for n, urgent in enumerate((False, True, False)):
        req = await draft(rt, owners[n], title=f"ask {n}", urgent=urgent)
        await procedure.submit(rt, req.id, owners[n].id, now=start + timedelta(hours=5 * n))
        if n == 2:
            await procedure.transition(
                rt, req.id, "approve", approver.id, now=start + timedelta(hours=12)
            )


async def dump() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Every message written, as (person, kind, text, button labels); tokens left out."""
    names = {p.id: p.name for p in await Person.all()}
    rows = await OutboxMessage.all().order_by("id")
    found = [
        (
            names.get(row.person_id, "-"),
            row.kind,
            row.payload["text"],
            tuple(b["label"] for b in row.payload.get("buttons", ())),
        )
        for row in rows
    ]
    found.append(("reminder rows", "", str(await Reminder.all().count()), ()))
    return found
