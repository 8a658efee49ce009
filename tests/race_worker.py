"""A worker process for the concurrency tests: its own Tortoise, its own database connection.

The test drives it through a pipe, one command at a time; a shared barrier makes the workers
of a round start their transactions at the same moment.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import procedure
from core.org_config import load_org_config
from core.runtime import Runtime
from models import workflow
from models.db import close_db, open_db

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok, B.E. 2569
BARRIER_TIMEOUT = 60  # seconds; a stuck partner fails the round instead of hanging the run


def serve(conn: Connection, barriers: dict[int, threading.Barrier]) -> None:
    """Entry point of the process: answer commands until told to stop."""
    asyncio.run(_serve(conn, barriers))


async def _serve(conn: Connection, barriers: dict[int, Any]) -> None:
    rt: Runtime | None = None
    while True:
        command, *args = conn.recv()
        try:
            if command == "stop":
                conn.send(("ok", None))
                return
            if command == "open":
                rt = await _open(*args)
                conn.send(("ok", None))
            elif command == "close":
                await close_db()
                conn.send(("ok", None))
            elif command == "decide":
                barrier, request_id, action, actor_id = args
                barriers[barrier].wait(BARRIER_TIMEOUT)
                conn.send(await _decide(rt, request_id, action, actor_id))
            elif command == "submit":
                barrier, request_ids, owner_id = args
                barriers[barrier].wait(BARRIER_TIMEOUT)
                conn.send(("ok", await _submit_all(rt, request_ids, owner_id)))
            elif command == "invite":
                barrier, names = args
                barriers[barrier].wait(BARRIER_TIMEOUT)
                conn.send(("ok", await _invite_all(rt, names)))
            else:
                conn.send(("error", f"unknown command {command!r}"))
        except Exception as exc:  # reported to the test, which fails with it
            conn.send(("error", repr(exc)))


async def _open(database_url: str, org_id: int, data_dir: str) -> Runtime:
    from models.request import Request

    await open_db(database_url)
    await Request.all().count()  # connect now, not inside the race
    return Runtime(
        org_id=org_id,
        org=load_org_config(ROOT / "org.example.toml"),
        tz=ZoneInfo("Asia/Bangkok"),
        default_locale="th",
        public_url="http://127.0.0.1:8080",
        data_dir=Path(data_dir),
        secret_key=b"k" * 32,
    )


async def _decide(rt: Runtime, request_id: int, action: str, actor_id: int) -> tuple[str, str]:
    try:
        await procedure.transition(rt, request_id, action, actor_id, now=NOW, reason="ซ้ำซ้อน")
    except workflow.AlreadyDecided as exc:
        return ("lost", str(exc))
    return ("won", action)


async def _submit_all(rt: Runtime, request_ids: list[int], owner_id: int) -> list[str]:
    async def one(request_id: int) -> str:
        try:
            change = await procedure.submit(rt, request_id, owner_id, now=NOW)
        except Exception as exc:
            return f"error: {exc!r}"
        return change.request.ref

    return list(await asyncio.gather(*(one(rid) for rid in request_ids)))


async def _invite_all(rt: Runtime, names: list[str]) -> list[str]:
    from models.enrol import create_invite
    from models.enums import Role

    async def one(name: str) -> str:
        try:
            return await create_invite(rt.org_id, Role.STAFF, name, key=rt.secret_key)
        except Exception as exc:
            return f"error: {exc!r}"

    return list(await asyncio.gather(*(one(name) for name in names)))
