"""Two scheduler instances (two processes) sweeping one database at the same moments.

A hundred rounds, six hours apart, through three weeks of expiries, takedowns, escalations,
reviews, digests and reports: both instances sweep each round together, and what they sent
between them must be exactly what one instance alone sends for the same rounds (on a fresh
SQLite copy): no reminder twice, none missed. On PostgreSQL (the many-instance deployment;
needs WEBPUB_TEST_POSTGRES_URL) and on SQLite (the CLI's run-once beside a running server).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

import pytest

from tests import sweep_worker
from tests.scheduler_kit import at

ROUNDS = 100
STEP = timedelta(hours=6)
START = at("2026-12-18T02:30")
ANSWER_TIMEOUT = 120  # seconds


@dataclass
class Sweeper:
    process: Any
    conn: Connection

    def ask(self, *command: Any) -> None:
        self.conn.send(command)

    def answer(self) -> Any:
        if not self.conn.poll(ANSWER_TIMEOUT):
            raise TimeoutError(f"sweeper {self.process.pid} did not answer")
        status, value = self.conn.recv()
        assert status == "ok", f"sweeper {self.process.pid} failed:\n{value}"
        return value


@pytest.fixture(scope="module")
def sweepers() -> Iterator[list[Sweeper]]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    pool = []
    for _ in range(2):
        parent, child = ctx.Pipe()
        process = ctx.Process(target=sweep_worker.serve, args=(child, barrier), daemon=True)
        process.start()
        child.close()
        pool.append(Sweeper(process, parent))
    yield pool
    for sweeper in pool:
        try:
            sweeper.ask("stop")
            sweeper.answer()
        except (OSError, TimeoutError, AssertionError):
            sweeper.process.terminate()
        sweeper.process.join(10)
        sweeper.conn.close()


async def ask_all(sweepers: list[Sweeper], *command: Any) -> list[Any]:
    for sweeper in sweepers:
        sweeper.ask(*command)
    return list(await asyncio.gather(*(asyncio.to_thread(s.answer) for s in sweepers)))


async def play(sweepers: list[Sweeper], url: str, data_dir: str) -> tuple[list[dict], list]:
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
