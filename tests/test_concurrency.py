"""Races between separate processes, each with its own connection to the same database.

Two approvers tap at the same moment: one decision wins, the other is told who decided.
Many staff submit at once: every request gets its own reference, with no gaps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

import procedure
from core.runtime import Runtime
from models.audit import verify_chain
from models.enums import Role, Status
from models.request import Decision, Request
from tests import race_worker
from tests.factories import draft, person
from tests.processes import SPAWN, Worker, answers, worker_pool

WORKERS = 4
ROUNDS = 50
SUBMISSIONS = 200


@pytest.fixture(scope="module")
def workers() -> Iterator[list[Worker]]:
    """Worker processes kept for the whole module: starting Python and tortoise is the slow part."""
    barriers = {n: SPAWN.Barrier(n) for n in (2, WORKERS)}
    with worker_pool(WORKERS, race_worker.serve, barriers) as pool:
        yield pool


@asynccontextmanager
async def connected(
    workers: list[Worker], db_url: str, rt: Runtime, data_dir: Path
) -> AsyncIterator[list[Worker]]:
    """The workers connected to this test's database for the length of a block."""
    for worker in workers:
        worker.ask("open", db_url, rt.org_id, str(data_dir))
    await answers(workers)
    try:
        yield workers
    finally:
        for worker in workers:
            worker.ask("close")
        await answers(workers)


async def test_workflow_simultaneous_approve_and_reject_exactly_one_wins(
    rt, db_url, workers, tmp_path
):
    owner = await person(rt, "เจ้าของเรื่อง")
    palad = await person(rt, "ปลัดสมชาย", Role.APPROVER)
    deputy = await person(rt, "รองปลัดสมศรี", Role.APPROVER)
    await person(rt, "เว็บมาสเตอร์", Role.WEBMASTER)
    request_ids = []
    for i in range(ROUNDS):
        req = await draft(rt, owner, title=f"เรื่องที่ {i + 1}", with_file=False)
        await procedure.submit(rt, req.id, owner.id, now=race_worker.NOW)
        request_ids.append(req.id)

    outcome: dict[int, str] = {}
    pair = workers[:2]
    async with connected(pair, db_url, rt, tmp_path):
        for round_no, request_id in enumerate(request_ids):
            moves = [("approve", palad), ("reject", deputy)]
            if round_no % 2:
                moves.reverse()  # neither process is always the approver
            for worker, (action, who) in zip(pair, moves, strict=True):
                worker.ask("decide", 2, request_id, action, who.id)
            results = await answers(pair)

            won = [
                move for move, (status, _) in zip(moves, results, strict=True) if status == "won"
            ]
            lost = [text for status, text in results if status == "lost"]
            assert len(won) == 1 and len(lost) == 1, f"round {round_no}: {results}"
            action, winner = won[0]
            assert winner.name in lost[0], f"round {round_no}: {lost[0]!r} names nobody"
            outcome[request_id] = action

    stored = await Request.filter(id__in=request_ids).values_list("id", "status")
    expected = {"approve": Status.APPROVED, "reject": Status.REJECTED}
    assert {rid: Status(s) for rid, s in stored} == {
        rid: expected[action] for rid, action in outcome.items()
    }
    assert await Decision.filter(request_id__in=request_ids).count() == ROUNDS
    chain = await verify_chain(rt.org_id)
    assert chain.ok, chain
    assert chain.count == 2 * ROUNDS  # each submission and each winning decision, nothing else


async def test_workflow_concurrent_submissions_get_consecutive_references(
    rt, db_url, workers, tmp_path
):
    owner = await person(rt, "เจ้าหน้าที่กองคลัง")
    await person(rt, "ปลัดสมชาย", Role.APPROVER)
    drafts = [
        (await draft(rt, owner, title=f"ประกาศที่ {i + 1}", with_file=False)).id
        for i in range(SUBMISSIONS)
    ]

    async with connected(workers, db_url, rt, tmp_path):
        for i, worker in enumerate(workers):
            worker.ask("submit", WORKERS, drafts[i::WORKERS], owner.id)
        results = await answers(workers)

    refs = [ref for _status, batch in results for ref in batch]
    assert [r for r in refs if r.startswith("error")] == []
    year = race_worker.NOW.year + 543
    expected = [f"WP-{year}-{n:04d}" for n in range(1, SUBMISSIONS + 1)]
    assert sorted(refs) == expected
    stored = await Request.filter(id__in=drafts).values_list("ref", "status")
    assert sorted(ref for ref, _ in stored) == expected
    assert {Status(s) for _, s in stored} == {Status.PENDING}
    chain = await verify_chain(rt.org_id)
    assert chain.ok, chain
    assert chain.count == SUBMISSIONS


async def test_audit_first_events_from_many_processes_make_one_chain(rt, db_url, workers, tmp_path):
    names = [f"พนักงาน {i + 1}" for i in range(WORKERS * 10)]
    async with connected(workers, db_url, rt, tmp_path):
        for i, worker in enumerate(workers):
            worker.ask("invite", WORKERS, names[i::WORKERS])
        results = await answers(workers)

    codes = [code for _status, batch in results for code in batch]
    assert [c for c in codes if c.startswith("error")] == []
    assert len(set(codes)) == len(names)
    chain = await verify_chain(rt.org_id)
    assert chain.ok, chain
    assert chain.count == len(names)
