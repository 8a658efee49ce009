"""Bench: Telegram replies under the Bot API's flood limits, offered faster than they allow.

Starts `webpub serve` on SQLite against the in-process Telegram emulator enforcing the flood
limits (30 sends/s overall, a burst of 3 then 1/s per chat, 20/min per group; beyond them a
429 with retry_after), with PEOPLE people enrolled on Telegram beforehand. Then, open loop,
`/help` webhooks from many different chats at RATE/s for SECONDS s (above the 30/s ceiling),
and a few chats that each send 5 in one second. Prints offered, accepted (webhook answered
200), replied, lost, the emulator's 429s, the delivered rate over the busy period (goal: at
least 27/s), p50/p99 reply latency, time to drain and the machine's load.

    .venv/bin/python bench/telegram_limits.py
    .venv/bin/python bench/telegram_limits.py --rate 40 --seconds 20 --people 300
Traffic goes to 127.0.0.1 only. Exit status 1 when a reply is lost or the rate is short.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._telegram_server import (  # noqa: E402
    TG_TOKEN,
    enrol,
    machine_load,
    per_second,
    percentile,
    print_table,
    reply_times,
    send_command,
    serving,
)
from tests.emulators import TelegramEmulator  # noqa: E402

FIRST_CHAT = 300_000_001
BURST_CHATS = 5  # chats that send BURST_SIZE messages within one second
BURST_SIZE = 5
GOAL_RATE = 27.0  # replies per second, of the Bot API's 30/s
DRAIN_LIMIT = 180.0  # seconds after the last webhook for the last replies


def schedule(people: int, rate: float, seconds: float) -> list[tuple[float, int]]:
    """(offset in s, chat) of every webhook: round robin over the people, plus the bursts."""
    steady = [(k / rate, FIRST_CHAT + k % people) for k in range(int(rate * seconds))]
    bursts = [
        (2.0 + j * seconds / BURST_CHATS + i / BURST_SIZE, FIRST_CHAT + people + j)
        for j in range(BURST_CHATS)
        for i in range(BURST_SIZE)
    ]
    return sorted(steady + bursts)


async def offer(
    tg: TelegramEmulator, webhook: str, plan: list[tuple[float, int]]
) -> list[tuple[int, float, bool]]:
    """Post every webhook at its time, whatever the earlier ones answered: (chat, at, accepted)."""
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=20)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.time()

        async def one(offset: float, chat: int) -> tuple[int, float, bool]:
            await asyncio.sleep(max(0.0, started + offset - time.time()))
            at = time.time()
            return chat, at, await send_command(session, webhook, tg, chat, "/help")

        return await asyncio.gather(*(one(offset, chat) for offset, chat in plan))


async def drain(tg: TelegramEmulator, sent: list[tuple[int, float, bool]]) -> None:
    """Wait until every chat has as many replies as it sent webhooks, or DRAIN_LIMIT passes."""
    wanted = Counter(chat for chat, _at, _ok in sent)
    deadline = time.monotonic() + DRAIN_LIMIT
    while time.monotonic() < deadline:
        if all(len(tg.messages(chat_id=c)) >= n for c, n in wanted.items()):
            return
        await asyncio.sleep(0.2)


def match(tg: TelegramEmulator, sent: list[tuple[int, float, bool]]) -> list[float]:
    """Reply latencies: each chat's replies paired in order with its webhooks."""
    by_chat: dict[int, list[float]] = defaultdict(list)
    for chat, at, _ok in sent:
        by_chat[chat].append(at)
    latencies = []
    for chat, times in by_chat.items():
        replies = reply_times(tg, chat)
        latencies += [r - s for s, r in zip(sorted(times), replies, strict=False)]
    return latencies


def results(
    tg: TelegramEmulator, sent: list[tuple[int, float, bool]], people: int
) -> list[tuple[str, str]]:
    latencies = match(tg, sent)
    replies = sorted(m.time for m in tg.messages())
    busy = replies[-1] - replies[0] if len(replies) > 1 else float("nan")
    rate = (len(replies) - 1) / busy if len(replies) > 1 else 0.0
    first_sent, last_sent = min(at for _c, at, _ok in sent), max(at for _c, at, _ok in sent)
    burst_chats = {FIRST_CHAT + people + j for j in range(BURST_CHATS)}
    limits = Counter(c.limit for c in tg.limited_calls)
    return [
        ("offered (webhooks)", f"{len(sent)}"),
        ("accepted (200)", f"{sum(ok for _c, _a, ok in sent)}"),
        ("replied", f"{len(latencies)}"),
        ("lost (no reply)", f"{len(sent) - len(latencies)}"),
        ("extra replies", f"{len(replies) - len(latencies)}"),
        ("429s given", f"{tg.limited} ({', '.join(f'{k} {v}' for k, v in limits.items())})"),
        ("429s to burst chats", f"{sum(c.chat_id in burst_chats for c in tg.limited_calls)}"),
        ("busiest second (replies)", f"{busiest_second(replies)}"),
        ("delivered rate", f"{rate:.1f}/s over {busy:.1f} s (goal >= {GOAL_RATE:g}/s)"),
        ("reply latency p50", f"{percentile(latencies, 0.5):.2f} s"),
        ("reply latency p99", f"{percentile(latencies, 0.99):.2f} s"),
        ("reply latency max", f"{max(latencies, default=float('nan')):.2f} s"),
        ("time to drain", f"{replies[-1] - last_sent:.1f} s after the last webhook"),
        ("replies per second", per_second(replies, first_sent)),
        ("429s per second", per_second([c.time for c in tg.limited_calls], first_sent)),
        ("machine", machine_load()),
    ]


def busiest_second(times: list[float]) -> int:
    """The most replies in any one-second window."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def bench(people: int, rate: float, seconds: float) -> list[tuple[str, str]]:
    plan = schedule(people, rate, seconds)
    chats = sorted({chat for _o, chat in plan})
    async with TelegramEmulator(token=TG_TOKEN) as tg:
        tg.enforce_limits()
        async with serving(tg, lambda: enrol(chats)) as served:
            sent = await offer(tg, served.webhook, plan)
            await drain(tg, sent)
            cpu = served.cpu_seconds()
        return [*results(tg, sent, people), ("server CPU", f"{cpu:.1f} s")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--rate", type=float, default=40.0, help="webhooks per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    rows = asyncio.run(bench(args.people, args.rate, args.seconds))
    print_table(
        f"Telegram under flood limits: /help at {args.rate:g}/s for {args.seconds:g} s", rows
    )
    values = dict(rows)
    rate = float(values["delivered rate"].split("/")[0])
    ok = values["lost (no reply)"] == "0" and rate >= GOAL_RATE
    print(
        f"\nverdict: {'PASS' if ok else 'FAIL'} (every reply delivered, none lost, >= {GOAL_RATE:g}/s)"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
