"""What the Telegram benches share: `webpub serve` on SQLite against the Telegram emulator,
people enrolled on Telegram before it starts, update webhooks, replies matched to updates,
and the printed tables."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent

from core.org_config import load_org_config  # noqa: E402
from models.db import database  # noqa: E402
from models.directory import ensure_organization  # noqa: E402
from models.enums import Channel  # noqa: E402
from models.people import Identity, Person  # noqa: E402
from tests.emulators import TelegramEmulator, telegram_command_update  # noqa: E402

TG_TOKEN = "777001:bench-telegram-token"
TG_SECRET = "bench-telegram-secret"
ORG_FILE = ROOT / "org.example.toml"
WEBPUB = Path(sys.executable).parent / "webpub"


@dataclass(frozen=True)
class Served:
    """A running server: its webhook URL and its work folder (server.log is there)."""

    webhook: str
    work: Path
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user and system)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(work: Path, port: int, tg: TelegramEmulator) -> dict[str, str]:
    """Telegram on (against the emulator), LINE off, SQLite in the work folder."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(work),
        "WEBPUB_DATABASE_URL": f"sqlite://{work / 'webpub.sqlite3'}",
        "WEBPUB_DATA_DIR": str(work / "data"),
        "WEBPUB_ORG_FILE": str(ORG_FILE),
        "WEBPUB_PORT": str(port),
        "WEBPUB_TELEGRAM_TOKEN": TG_TOKEN,
        "WEBPUB_TELEGRAM_SECRET_TOKEN": TG_SECRET,
        "WEBPUB_TELEGRAM_API_URL": f"{tg.url}/bot",
        "WEBPUB_TELEGRAM_FILE_URL": f"{tg.url}/file/bot",
    }


async def enrol(chats: list[int]) -> dict[int, Person]:
    """People enrolled on Telegram, one per private chat (the database must be open)."""
    org = await ensure_organization(load_org_config(ORG_FILE))
    people = {}
    for chat in chats:
        person = await Person.create(org_id=org.id, name=f"คนที่ {chat}", unit="กองคลัง")
        await Identity.create(
            person_id=person.id,
            channel=Channel.TELEGRAM,
            platform_user_id=str(chat),
            chat_id=str(chat),
        )
        people[chat] = person
    return people


@asynccontextmanager
async def serving(
    tg: TelegramEmulator, setup: Callable[[], Awaitable[None]]
) -> AsyncIterator[Served]:
    """Migrate a fresh database, run `setup` on it in this process, then start `webpub serve`."""
    work = Path(tempfile.mkdtemp(prefix="webpub-bench-tg-"))
    port = free_port()
    env = server_env(work, port, tg)
    upgrade = [str(WEBPUB), "db", "upgrade"]
    subprocess.run(upgrade, env=env, cwd=work, check=True, capture_output=True)
    async with database(env["WEBPUB_DATABASE_URL"]):
        await setup()
    process = start_server(env, work)
    try:
        await wait_up(f"http://127.0.0.1:{port}/healthz")
        yield Served(f"http://127.0.0.1:{port}/webhooks/telegram", work, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def start_server(env: dict[str, str], work: Path) -> subprocess.Popen:
    """`webpub serve`, its output in server.log in the work folder."""
    with open(work / "server.log", "ab") as log:
        return subprocess.Popen([str(WEBPUB), "serve"], env=env, cwd=work, stdout=log, stderr=log)


async def wait_up(url: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def send_command(
    session: aiohttp.ClientSession, webhook: str, tg: TelegramEmulator, chat: int, command: str
) -> bool:
    """Post one command update as Telegram does, again until it is answered 200 (5 tries)."""
    body = json.dumps(telegram_command_update(chat, command, tg=tg)).encode()
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    for attempt in range(5):
        try:
            async with session.post(webhook, data=body, headers=headers) as response:
                if response.status == 200:
                    return True
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(0.5 * (attempt + 1))
    return False


def reply_times(tg: TelegramEmulator, chat: int) -> list[float]:
    """When each message the bot sent to `chat` arrived at the emulator, in order."""
    return [m.time for m in tg.messages(chat_id=chat)]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def per_second(times: list[float], start: float) -> str:
    """How many of `times` fell in each whole second from `start`, e.g. "30 30 29 12"."""
    if not times:
        return "-"
    counts = [0] * (int(max(times) - start) + 1)
    for t in times:
        counts[max(0, int(t - start))] += 1
    return " ".join(str(c) for c in counts)


def machine_load() -> str:
    """The 1, 5 and 15 minute load averages and the core count."""
    load = Path("/proc/loadavg").read_text().split()[:3]
    return f"load {' '.join(load)} on {os.cpu_count()} cores"


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}\n{'-' * len(title)}")
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
