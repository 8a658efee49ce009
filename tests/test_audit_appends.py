"""Audit events join the chain as their transaction commits: a rolled-back part leaves nothing,
and an open transaction does not hold the chain's head while it works."""

from __future__ import annotations

import asyncio

import pytest

from models.audit import AuditEvent, append_event, verify_chain
from models.db import atomic


class Undone(Exception):
    """Raised inside a savepoint to roll it back."""


async def kinds(org_id: int) -> list[tuple[int, str]]:
    return [(e.seq, e.kind) for e in await AuditEvent.filter(org_id=org_id).order_by("seq")]


async def test_audit_appends_of_a_rolled_back_savepoint_are_not_in_the_chain(rt):
    async with atomic():
        await append_event(rt.org_id, "test.kept")
        with pytest.raises(Undone):
            async with atomic():
                await append_event(rt.org_id, "test.undone")
                raise Undone
        await append_event(rt.org_id, "test.after")

    assert await kinds(rt.org_id) == [(1, "test.kept"), (2, "test.after")]
    assert (await verify_chain(rt.org_id)).ok


async def test_audit_appends_of_a_failed_transaction_leave_the_chain_as_it_was(rt):
    await append_event(rt.org_id, "test.first")
    with pytest.raises(Undone):
        async with atomic():
            await append_event(rt.org_id, "test.undone")
            raise Undone
    await append_event(rt.org_id, "test.second")

    assert await kinds(rt.org_id) == [(1, "test.first"), (2, "test.second")]
    assert (await verify_chain(rt.org_id)).ok


async def test_audit_a_transaction_reads_its_own_appends_in_order(rt):
    async with atomic():
        await append_event(rt.org_id, "test.one")
        await append_event(rt.org_id, "test.two")
        result = await verify_chain(rt.org_id)

    assert result.ok and result.count == 2


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite has one writer
async def test_audit_an_open_transaction_does_not_hold_up_another_ones_append(rt):
    appended, finish = asyncio.Event(), asyncio.Event()

    async def slow() -> None:
        async with atomic():
            await append_event(rt.org_id, "test.slow")
            appended.set()
            await finish.wait()  # the rest of a long transaction's work

    slow_one = asyncio.create_task(slow())
    await asyncio.wait_for(appended.wait(), 5)
    try:
        async with asyncio.timeout(5):  # with the head locked at the append, this would hang
            async with atomic():
                await append_event(rt.org_id, "test.quick")
    finally:
        finish.set()
        await slow_one

    assert await kinds(rt.org_id) == [(1, "test.quick"), (2, "test.slow")]
    assert (await verify_chain(rt.org_id)).ok
