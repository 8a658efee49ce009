"""Webhook acceptance speed: webpub (verify, parse, record in the inbox, 200) against a bare handler.

Starts one `webpub serve` process on SQLite (LINE pointed at the local emulator) and one bare
aiohttp process, fires signed LINE text-message webhooks at increasing concurrency at each, then
a steady 200 requests/s, and prints requests/s, their ratio and p50/p99 latency.

    make bench        (or: .venv/bin/python bench/webhook.py [--requests 2000])
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.emulators import LineEmulator, line_body, line_signature, line_text_event  # noqa: E402

SECRET = "bench-line-secret"
TOKEN = "bench-line-token"
CONCURRENCY = (1, 8, 32, 64)
STEADY_RATE = 200  # requests per second
STEADY_SECONDS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_up(url: str, within: float = 30) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.post(url, data=b"") as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def bodies(line: LineEmulator, n: int) -> list[tuple[bytes, str]]:
    out = []
    for i in range(n):
        event = line_text_event(f"U{i % 50:032x}", f"สวัสดี {i}", line=line)
        body = line_body(event)
        out.append((body, line_signature(body, SECRET)))
    return out


async def fire(
    url: str, work: list[tuple[bytes, str]], concurrency: int
) -> tuple[float, list[float]]:
    """Send all bodies with `concurrency` in flight; returns (requests/s, latencies in s)."""
    latencies: list[float] = []
    queue = list(reversed(work))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while queue:
                body, signature = queue.pop()
                started = time.perf_counter()
                async with session.post(
                    url, data=body, headers={"x-line-signature": signature}
                ) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{url} answered {response.status}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(work) / elapsed, latencies


async def steady(url: str, work: list[tuple[bytes, str]], rate: int) -> list[float]:
    """Send at a fixed rate (open loop), as a platform delivering webhooks would."""
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def one(body: bytes, signature: str) -> None:
            started = time.perf_counter()
            async with session.post(
                url, data=body, headers={"x-line-signature": signature}
            ) as response:
                await response.read()
            latencies.append(time.perf_counter() - started)

        tasks = []
        begin = time.perf_counter()
        for i, (body, signature) in enumerate(work):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(body, signature)))
        await asyncio.gather(*tasks)
    return latencies


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


async def main(requests: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="webpub-bench-"))
    async with LineEmulator(access_token=TOKEN, monthly_quota=None) as line:
        port, bare_port = free_port(), free_port()
        env = {
            **os.environ,
            "WEBPUB_DATABASE_URL": f"sqlite://{workdir}/bench.sqlite3",
            "WEBPUB_DATA_DIR": str(workdir / "data"),
            "WEBPUB_ORG_FILE": str(ROOT / "org.example.toml"),
            "WEBPUB_PORT": str(port),
            "WEBPUB_LINE_CHANNEL_SECRET": SECRET,
            "WEBPUB_LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
            "WEBPUB_LINE_API_URL": line.url,
            "WEBPUB_LINE_DATA_API_URL": line.url,
        }
        webpub = str(Path(sys.executable).parent / "webpub")
        subprocess.run([webpub, "db", "upgrade"], env=env, check=True, capture_output=True)
        server = subprocess.Popen(
            [webpub, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        bare = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare.py"), str(bare_port)])
        try:
            urls = {
                "webpub": f"http://127.0.0.1:{port}/webhooks/line",
                "bare": f"http://127.0.0.1:{bare_port}/webhooks/line",
            }
            for url in urls.values():
                await wait_up(url)
            print(
                f"{'concurrency':>11} {'webpub req/s':>13} {'bare req/s':>11} {'ratio':>6} "
                f"{'webpub p50/p99 ms':>18} {'bare p50/p99 ms':>16}"
            )
            for concurrency in CONCURRENCY:
                rate_w, lat_w = await fire(urls["webpub"], bodies(line, requests), concurrency)
                rate_b, lat_b = await fire(urls["bare"], bodies(line, requests), concurrency)
                print(
                    f"{concurrency:>11} {rate_w:>13.0f} {rate_b:>11.0f} {rate_w / rate_b:>6.2f} "
                    f"{pct(lat_w, 0.5):>8.1f}/{pct(lat_w, 0.99):<9.1f} {pct(lat_b, 0.5):>7.1f}/{pct(lat_b, 0.99):<8.1f}"
                )
            await asyncio.sleep(2)  # let the inbox drain before the steady run
            lat = await steady(
                urls["webpub"], bodies(line, STEADY_RATE * STEADY_SECONDS), STEADY_RATE
            )
            print(
                f"\nsteady {STEADY_RATE} req/s for {STEADY_SECONDS} s on webpub: "
                f"p50 {pct(lat, 0.5):.1f} ms, p99 {pct(lat, 0.99):.1f} ms, max {max(lat) * 1000:.1f} ms "
                f"(target p99 < 100 ms); mean {statistics.mean(lat) * 1000:.1f} ms"
            )
        finally:
            server.terminate()
            bare.terminate()
            server.wait(10)
            bare.wait(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500, help="requests per concurrency level")
    asyncio.run(main(parser.parse_args().requests))
