"""Bench: a reply never waits behind a broadcast.

Queues NOTICES notifications to as many people enrolled on Telegram (the project's
enqueue_push, on the server's SQLite database, before it starts), starts `webpub serve`
against the in-process Telegram emulator enforcing the flood limits (30 sends/s overall, a
burst of 3 then 1/s per chat; beyond them a 429 with retry_after), waits until the first few
are delivered, then has PROBES other people each send `/status` (a real update webhook) a
few seconds apart while the broadcast goes on. Prints, per probe, the time from the webhook
sent to the reply at the emulator (goal: under 1 s) and how many notifications had been
delivered by then; then the time until every notification was delivered (about NOTICES/30 s)
and how many were lost or duplicated.

    .venv/bin/python bench/burst.py
    .venv/bin/python bench/burst.py --notices 1000 --probes 5 --probe-every 4
Traffic goes to 127.0.0.1 only. Exit status 1 when a probe waits 1 s or more, or one is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._telegram_server import (  # noqa: E402
    TG_TOKEN,
    enrol,
    machine_load,
    per_second,
    print_table,
    send_command,
    serving,
)
from core.events import Outgoing  # noqa: E402
from notices.outbox import enqueue_push  # noqa: E402
from tests.emulators import TelegramEmulator  # noqa: E402

FIRST_RECIPIENT = 400_000_001
FIRST_PROBE = 490_000_001
BUSY_AFTER = 10  # notifications delivered before the first probe: the outbox is busy
PROBE_GOAL = 1.0  # seconds from the /status webhook to its reply
REPLY_LIMIT = 120.0  # seconds a probe waits for its reply before it counts as lost
DRAIN_LIMIT = 300.0  # seconds for the whole broadcast to go out
OVERALL_LIMIT = 30  # Bots FAQ: about 30 messages a second


async def queue_broadcast(recipients: list[int], probes: list[int]) -> None:
    """Enrol everyone and write one notification per recipient into the outbox."""
    people = await enrol(recipients + probes)
    for n, chat in enumerate(recipients, 1):
        text = f"ประกาศที่ {n}: คำขอ WP-2569-{n:04d} ได้รับการอนุมัติแล้ว"
        await enqueue_push(people[chat], Outgoing(text=text), kind="notice")


def delivered(tg: TelegramEmulator, recipients: set[int], by: float | None = None) -> int:
    """Notifications at the emulator (by a time, or so far)."""
    return sum(1 for m in tg.messages() if m.chat_id in recipients and (by is None or m.time <= by))


async def wait_for(check: Callable[[], object], limit: float, every: float = 0.01) -> bool:
    """Poll `check` until it holds (True) or `limit` seconds pass (False)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(every)
    return False


async def probe(
    tg: TelegramEmulator, webhook: str, chat: int, delay: float, recipients: set[int]
) -> tuple[float | None, int, int]:
    """After `delay` s, /status from `chat`: (reply latency or None, delivered by then, sent by then)."""
    await asyncio.sleep(delay)
    async with aiohttp.ClientSession() as session:
        at = time.time()
        await send_command(session, webhook, tg, chat, "/status")
    await wait_for(lambda: tg.messages(chat_id=chat), REPLY_LIMIT)
    replies = tg.messages(chat_id=chat)
    if not replies:
        return None, delivered(tg, recipients), delivered(tg, recipients, at)
    reply = replies[0].time
    return reply - at, delivered(tg, recipients, reply), delivered(tg, recipients, at)


def probe_rows(results: list[tuple[float | None, int, int]], every: float) -> list[tuple[str, str]]:
    rows = []
    for n, (latency, by_reply, by_sent) in enumerate(results, 1):
        waited = "no reply" if latency is None else f"{latency:.2f} s"
        rows.append(
            (
                f"/status #{n} (+{(n - 1) * every:g} s)",
                f"{waited}; notices delivered {by_sent} when sent, {by_reply} at the reply",
            )
        )
    return rows


def broadcast_rows(tg: TelegramEmulator, recipients: set[int]) -> list[tuple[str, str]]:
    times = sorted(m.time for m in tg.messages() if m.chat_id in recipients)
    per_chat = Counter(m.chat_id for m in tg.messages() if m.chat_id in recipients)
    span = times[-1] - times[0] if times else float("nan")
    limits = Counter(c.limit for c in tg.limited_calls)
    return [
        ("notices queued", f"{len(recipients)}"),
        ("notices delivered", f"{len(per_chat)}"),
        ("lost", f"{len(recipients) - len(per_chat)}"),
        ("duplicated", f"{sum(n - 1 for n in per_chat.values())}"),
        ("first to last notice", f"{span:.1f} s (ideal {len(recipients) / OVERALL_LIMIT:.1f} s)"),
        ("429s given", f"{tg.limited} ({', '.join(f'{k} {v}' for k, v in limits.items())})"),
        ("notices per second", per_second(times, times[0]) if times else "-"),
        (
            "429s per second",
            per_second([c.time for c in tg.limited_calls], times[0]) if times else "-",
        ),
        ("machine", machine_load()),
    ]


async def bench(notices: int, probes: int, every: float) -> tuple[list, list]:
    recipients = [FIRST_RECIPIENT + i for i in range(notices)]
    probe_chats = [FIRST_PROBE + i for i in range(probes)]
    wanted = set(recipients)
    async with TelegramEmulator(token=TG_TOKEN) as tg:
        tg.enforce_limits()
        async with serving(tg, partial(queue_broadcast, recipients, probe_chats)) as served:
            await wait_for(lambda: delivered(tg, wanted) >= BUSY_AFTER, 60)
            results = await asyncio.gather(
                *(
                    probe(tg, served.webhook, chat, n * every, wanted)
                    for n, chat in enumerate(probe_chats)
                )
            )
            await wait_for(lambda: delivered(tg, wanted) >= notices, DRAIN_LIMIT, every=0.2)
            cpu = served.cpu_seconds()
        return probe_rows(results, every), [
            *broadcast_rows(tg, wanted),
            ("server CPU", f"{cpu:.1f} s"),
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--probes", type=int, default=5)
    parser.add_argument("--probe-every", type=float, default=4.0, help="seconds between probes")
    args = parser.parse_args()
    probes, broadcast = asyncio.run(bench(args.notices, args.probes, args.probe_every))
    print_table(f"A /status reply during a broadcast of {args.notices} notices", probes)
    print_table("The broadcast", broadcast)
    slow = [
        v for _k, v in probes if v.startswith("no reply") or float(v.split(" s")[0]) >= PROBE_GOAL
    ]
    ok = not slow and dict(broadcast)["lost"] == "0"
    print(
        f"\nverdict: {'PASS' if ok else 'FAIL'} (every /status answered within {PROBE_GOAL:g} s, no notice lost)"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
