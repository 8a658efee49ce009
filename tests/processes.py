"""Worker processes a test drives over a pipe, each with its own event loop and database
connection: the only way to race separate connections on SQLite (one per process)."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited event loop
ANSWER_TIMEOUT = 120  # seconds; far beyond a healthy round, short of a hung CI job


@dataclass
class Worker:
    """One worker process and the pipe that drives it."""

    process: Any
    conn: Connection

    def ask(self, *command: Any) -> None:
        self.conn.send(command)

    def answer(self) -> tuple[str, Any]:
        """The worker's (status, value); a worker that failed fails the test with its traceback."""
        if not self.conn.poll(ANSWER_TIMEOUT):
            raise TimeoutError(f"worker {self.process.pid} did not answer")
        status, value = self.conn.recv()
        assert status != "error", f"worker {self.process.pid} failed:\n{value}"
        return status, value


@contextmanager
def worker_pool(count: int, target: Callable[..., None], *args: Any) -> Iterator[list[Worker]]:
    """`count` processes running `target(conn, *args)`, stopped (or killed) at the end."""
    pool = []
    for _ in range(count):
        parent, child = SPAWN.Pipe()
        process = SPAWN.Process(target=target, args=(child, *args), daemon=True)
        process.start()
        child.close()
        pool.append(Worker(process, parent))
    try:
        yield pool
    finally:
        for worker in pool:
            try:
                worker.ask("stop")
                worker.answer()
            except (OSError, TimeoutError, AssertionError):
                worker.process.terminate()
            worker.process.join(10)
            worker.conn.close()


async def answers(workers: list[Worker]) -> list[tuple[str, Any]]:
    """Every worker's answer to the command just asked, waited for together."""
    return list(await asyncio.gather(*(asyncio.to_thread(w.answer) for w in workers)))
