"""Two scheduler instances (two processes) sweeping one database at the same moments.

A hundred rounds, six hours apart, through three weeks of expiries, takedowns, escalations,
reviews, digests and reports: both instances sweep each round together, and what they sent
between them must be exactly what one instance alone sends for the same rounds (on a fresh
SQLite copy): no reminder twice, none missed. On PostgreSQL (the many-instance deployment;
needs WEBPUB_TEST_POSTGRES_URL) and on SQLite (the CLI's run-once beside a running server).
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests import sweep_worker
from tests.processes import SPAWN, Worker, answers, worker_pool
from tests.scheduler_kit import at

ROUNDS = 100
STEP = timedelta(hours=6)
START = at("2026-12-18T02:30")


@pytest.fixture(scope="module")
def sweepers() -> Iterator[list[Worker]]:
    with worker_pool(2, sweep_worker.serve, SPAWN.Barrier(2)) as pool:
        yield pool


async def ask_all(sweepers: list[Worker], *command: Any) -> list[Any]:
    for sweeper in sweepers:
        sweeper.ask(*command)
    replies = await answers(sweepers)
    assert all(status == "ok" for status, _value in replies), replies
    return [value for _status, value in replies]


async def play(sweepers: list[Worker], url: str, data_dir: str) -> tuple[list[dict], list]:
    """Set the scenario up, sweep every round with all the sweepers at once; counts and dump."""
    await ask_all(sweepers, "open", url, data_dir)
    await ask_all(sweepers[:1], "setup", START.isoformat())
    together = len(sweepers) > 1
    rounds = []
    for n in range(ROUNDS):
        moment: datetime = START + n * STEP
        done = await ask_all(sweepers, "tick", moment.isoformat(), together)
        rounds.append(dict(sum((Counter(d) for d in done), Counter())))
    [dump] = await ask_all(sweepers[:1], "dump")
    await ask_all(sweepers, "close")
    return rounds, dump


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
async def test_two_instances_send_every_reminder_exactly_once(
    rt, db_url, sweepers, sqlite_template, tmp_path
):
    rounds, sent = await play(sweepers, db_url, str(tmp_path / "data"))
    alone_url = tmp_path / "alone.sqlite3"
    shutil.copy(sqlite_template, alone_url)
    alone_rounds, alone_sent = await play(
        sweepers[:1], f"sqlite://{alone_url}", str(tmp_path / "d1")
    )

    kinds = Counter(kind for _who, kind, _text, _buttons in sent)
    assert {
        "scheduler.expiry",
        "expire.webmasters",
        "scheduler.takedown-chase",
        "scheduler.takedown-escalate",
        "scheduler.approval",
        "scheduler.task",
        "scheduler.review",
        "scheduler.digest",
        "scheduler.completeness",
        "scheduler.audit",
    } <= set(kinds), kinds
    assert Counter(sent) == Counter(alone_sent)  # none twice, none missed
    for n, (together, alone) in enumerate(zip(rounds, alone_rounds, strict=True)):
        assert {k: v for k, v in together.items() if v} == {k: v for k, v in alone.items() if v}, n
