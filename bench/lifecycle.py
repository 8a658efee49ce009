"""Bench: requests through submit → approve → publish on SQLite, with the platform emulators.

Submissions are made directly through the workflow (the dialog has its own tests); every
approval is the approver's tap as a LINE postback through the real webhook → inbox → outbox →
emulator path. Prints p50/p99 of the time from the tap (the webhook POST) to the webmasters'
task cards reaching the emulator, and the LINE pushes per request for each recipient.

    .venv/bin/python bench/lifecycle.py            # 500 requests
    BENCH_REQUESTS=50 .venv/bin/python bench/lifecycle.py
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import procedure  # noqa: E402
from models.db import upgrade  # noqa: E402
from models.enums import Role, TaskStatus  # noqa: E402
from models.request import Request, Task  # noqa: E402
from tests.emulators import line_postback_event  # noqa: E402
from tests.factories import draft  # noqa: E402
from tests.harness import Actor, World, line_buttons, running_world  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "500"))
TARGET_P99 = 0.200  # seconds, from the issue
PAGE = "https://www.mukdahancity.go.th/news/{ref}"
POLL = 0.01  # seconds between looks at the emulator


async def submit_all(world: World, owner: Actor) -> list[Request]:
    """Pending requests, each with its approval card pushed to the approver."""
    from models.people import Person

    person = await Person.get(id=owner.person_id)
    made = []
    for n in range(REQUESTS):
        req = await draft(world.rt, person, title=f"ประกาศที่ {n + 1}")
        await procedure.submit(world.rt, req.id, person.id)
        made.append(req.id)
    await world.settle(within=300)
    return await Request.filter(id__in=made).order_by("id")


def approve_buttons(world: World, approver: Actor) -> dict[str, str]:
    """Each card's reference → the postback data of its Approve button."""
    found = {}
    for message in world.line.messages(approver.user):
        alt = message.message.get("altText", "")
        ref = alt.split(" ", 1)[0]
        for action in line_buttons(message.message):
            if action.get("label") == "อนุมัติ":
                found[ref] = action["data"]
    return found


async def approve_one(
    world: World, approver: Actor, data: str, ref: str, chats: list[str]
) -> float:
    """Seconds from the tap's webhook POST until every webmaster's task card has arrived."""
    # The emulators keep every message ever sent in this process, a heap that grows without
    # end and that the bot's own process would not have; freezing it keeps the garbage
    # collector's full scans of the harness out of the bot's latency.
    gc.freeze()
    seen = len(world.line.messages())
    started = time.time()
    await world.post_line(line_postback_event(approver.user, data, line=world.line))
    arrived: dict[str, float] = {}
    deadline = started + 30
    while len(arrived) < len(chats):
        if time.time() > deadline:
            raise RuntimeError(f"task for {ref} did not arrive")
        fresh = world.line.messages()[seen:]
        seen += len(fresh)
        for message in fresh:
            if message.chat in chats and ref in message.message.get("altText", ""):
                arrived.setdefault(message.chat, message.time)
        # The emulator stamps each delivery, so polling slowly costs no accuracy (and takes
        # no CPU from the bot, which runs in this same event loop).
        await asyncio.sleep(POLL)
    return max(arrived.values()) - started


async def publish_all(world: World, webmaster: Actor, requests: list[Request]) -> None:
    """The webmaster publishes each task (directly: the claim flow has its own tests)."""
    for req in requests:
        await Task.filter(request_id=req.id, status=TaskStatus.OPEN).update(
            status=TaskStatus.CLAIMED, claimed_by_id=webmaster.person_id
        )
        url = PAGE.format(ref=req.ref)
        await procedure.transition(world.rt, req.id, "publish", webmaster.person_id, url=url)
    await world.settle(within=300)


def report(world: World, latencies: list[float], cast: dict[str, Actor], seconds: float) -> None:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    verdict = "OK" if p99 < TARGET_P99 else "MISSED"
    print(f"lifecycle: {REQUESTS} requests submit → approve → publish on SQLite in {seconds:.1f} s")
    print(
        f"  approver's tap → webmasters' tasks at the emulator: p50 {p50 * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms (target p99 < {TARGET_P99 * 1000:.0f} ms: {verdict})"
    )
    print("  LINE per request, per recipient: pushes billed (messages pushed; several queued")
    print("  messages to one chat go out in one push of up to five)")
    for role, actor in cast.items():
        billed = world.line.pushes_by_recipient[actor.user] / REQUESTS
        objects = len(world.line.pushes_to(actor.user)) / REQUESTS
        print(f"    {role:<12} {billed:.2f} ({objects:.2f})")
    print(f"    {'all':<12} {world.line.quota_used / REQUESTS:.2f}")


async def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{tmp}/bench.sqlite3"
        await upgrade(url)
        async with running_world(url, Path(tmp) / "data") as world:
            world.line.monthly_quota = None
            cast = {
                "owner": await world.enrol("สมศรี ใจดี", on="line"),
                "approver": await world.enrol("ปลัดไพศาล", Role.APPROVER, on="line"),
                "webmaster 1": await world.enrol("สุภารัตน์", Role.WEBMASTER, on="line"),
                "webmaster 2": await world.enrol("วิรัช", Role.WEBMASTER, on="line"),
            }
            started = time.perf_counter()
            pushes_before = {a.user: len(world.line.pushes_to(a.user)) for a in cast.values()}
            assert all(n == 0 for n in pushes_before.values()), pushes_before
            requests = await submit_all(world, cast["owner"])
            buttons = approve_buttons(world, cast["approver"])
            chats = [cast["webmaster 1"].user, cast["webmaster 2"].user]
            latencies = [
                await approve_one(world, cast["approver"], buttons[r.ref], r.ref, chats)
                for r in requests
            ]
            await world.settle(within=300)
            await publish_all(world, cast["webmaster 1"], requests)
            report(world, latencies, cast, time.perf_counter() - started)


if __name__ == "__main__":
    asyncio.run(main())
