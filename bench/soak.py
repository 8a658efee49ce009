"""Soak: mixed traffic through platform faults and kill -9 restarts; nothing may be lost.

Starts `webpub serve` on SQLite against in-process LINE and Telegram emulators that fail 20%
of calls (500, 429, timeouts, some after delivering), sends a steady mix of LINE and Telegram
messages from people not enrolled yet (each gets exactly one answer), redelivers any webhook
not answered 200 as the platforms do, and kills the server with SIGKILL and starts it again
every few minutes. At the end the faults stop, the bot gets time to catch up, and it prints
events sent, answered, lost (no answer) and duplicated (more than one).

    .venv/bin/python bench/soak.py                      # 30 minutes, a kill every 5
    .venv/bin/python bench/soak.py --minutes 4 --kill-every 60
Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.emulators import (  # noqa: E402
    LineEmulator,
    TelegramEmulator,
    line_body,
    line_signature,
    line_text_event,
    telegram_text_update,
)

LINE_SECRET = "soak-line-secret"
LINE_TOKEN = "soak-line-token"
TG_TOKEN = "424242:soak-telegram-token"
TG_SECRET = "soak-telegram-secret"
FAULT_RATE = 0.2
RATE = 4.0  # events per second
CATCH_UP = 120.0  # seconds after the traffic for the last answers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `webpub serve` process, killed and started again at will."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.process: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> None:
        log = open(self.cwd / "server.log", "ab")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "webpub"), "serve"],
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=log,
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def post_until_taken(
    session: aiohttp.ClientSession, url: str, body: bytes, headers: dict
) -> int:
    """Post a webhook until it is answered 200, as LINE's redelivery and Telegram do."""
    tries = 0
    while True:
        tries += 1
        try:
            async with session.post(url, data=body, headers=headers) as response:
                if response.status == 200:
                    return tries
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(min(5.0, 0.5 * tries))


async def soak(minutes: float, kill_every: float) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="webpub-soak-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with (
        LineEmulator(access_token=LINE_TOKEN) as line,
        TelegramEmulator(token=TG_TOKEN) as tg,
    ):
        for emulator, seed in ((line, 1), (tg, 2)):
            emulator.faults(
                FAULT_RATE,
                ("500", "429", "timeout"),
                seed=seed,
                after_accept=0.3,
                timeout_seconds=3,
            )
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(work),
            "WEBPUB_DATABASE_URL": f"sqlite://{work / 'webpub.sqlite3'}",
            "WEBPUB_DATA_DIR": str(work / "data"),
            "WEBPUB_ORG_FILE": str(ROOT / "org.example.toml"),
            "WEBPUB_PORT": str(port),
            "WEBPUB_LINE_CHANNEL_SECRET": LINE_SECRET,
            "WEBPUB_LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
            "WEBPUB_LINE_API_URL": line.url,
            "WEBPUB_LINE_DATA_API_URL": line.url,
            "WEBPUB_TELEGRAM_TOKEN": TG_TOKEN,
            "WEBPUB_TELEGRAM_SECRET_TOKEN": TG_SECRET,
            "WEBPUB_TELEGRAM_API_URL": f"{tg.url}/bot",
            "WEBPUB_TELEGRAM_FILE_URL": f"{tg.url}/file/bot",
        }
        subprocess.run(
            [str(Path(sys.executable).parent / "webpub"), "db", "upgrade"],
            env=env,
            cwd=work,
            check=True,
            capture_output=True,
        )
        server = Server(env, work)
        server.start()
        sent: list[tuple[str, str]] = []
        redelivered = 0
        rng = random.Random(3)
        started = time.monotonic()
        next_kill = started + kill_every
        posts: list[asyncio.Task[int]] = []
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            n = 0
            while time.monotonic() - started < minutes * 60:
                n += 1
                if rng.random() < 0.5:
                    user = f"U{n:032x}"
                    body = line_body(line_text_event(user, f"สวัสดี {n}", line=line))
                    headers = {"x-line-signature": line_signature(body, LINE_SECRET)}
                    url = f"{base}/webhooks/line"
                    sent.append(("line", user))
                else:
                    chat = 10_000_000 + n
                    text = "/help" if rng.random() < 0.3 else f"hello {n}"
                    body = json.dumps(telegram_text_update(chat, text, tg=tg)).encode()
                    headers = {
                        "Content-Type": "application/json",
                        "X-Telegram-Bot-Api-Secret-Token": TG_SECRET,
                    }
                    url = f"{base}/webhooks/telegram"
                    sent.append(("telegram", str(chat)))
                posts.append(asyncio.create_task(post_until_taken(session, url, body, headers)))
                if time.monotonic() >= next_kill:
                    server.kill()
                    server.start()
                    next_kill += kill_every
                    print(
                        f"[{time.monotonic() - started:6.0f} s] kill -9 and restart #{server.kills}",
                        flush=True,
                    )
                await asyncio.sleep(1 / RATE)
            results = await asyncio.gather(*posts)
            redelivered = sum(r - 1 for r in results)
        for emulator in (line, tg):
            emulator.faults(0.0)

        def answers(channel: str, chat: str) -> int:
            if channel == "line":
                return len(line.messages(chat))
            return len(tg.messages(chat_id=int(chat)))

        deadline = time.monotonic() + CATCH_UP
        while time.monotonic() < deadline:  # the emulators' logs are polled
            if all(answers(c, u) for c, u in sent):
                break
            await asyncio.sleep(1)
        server.stop()
        counts = [answers(c, u) for c, u in sent]
        faults = sum(1 for e in (line, tg) for r in e.requests if r.fault)
        calls = sum(len(e.requests) for e in (line, tg))
        return {
            "minutes": minutes,
            "events sent": len(sent),
            "webhooks redelivered": redelivered,
            "kill -9 restarts": server.kills,
            "platform calls": calls,
            "injected faults": faults,
            "answered": sum(1 for c in counts if c >= 1),
            "lost (no answer)": sum(1 for c in counts if c == 0),
            "duplicated answers": sum(c - 1 for c in counts if c > 1),
            "duplicated on LINE": sum(
                c - 1 for (ch, _u), c in zip(sent, counts, strict=True) if ch == "line" and c > 1
            ),
            "duplicated on Telegram": sum(
                c - 1
                for (ch, _u), c in zip(sent, counts, strict=True)
                if ch == "telegram" and c > 1
            ),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--kill-every", type=float, default=300.0, help="seconds between kill -9s")
    args = parser.parse_args()
    result = asyncio.run(soak(args.minutes, args.kill_every))
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key.ljust(width)}  {value:g}")
    sys.exit(1 if result["lost (no answer)"] else 0)


if __name__ == "__main__":
    main()
