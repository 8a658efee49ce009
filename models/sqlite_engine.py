"""SQLite engine for tortoise that writes durably and takes the write lock up front.

Tortoise's SQLite client starts transactions with a deferred `BEGIN`; when a second process
(the CLI, another worker) writes the same file, the read-to-write upgrade can fail at once
with "database is locked". `BEGIN IMMEDIATE` takes the write lock first.

Waiting for that lock happens here, not in SQLite's busy handler: each try waits a moment
in the connection's thread, and between tries the connection is free for others and the
task can be cancelled. A transaction that cannot begin within its patience
(`models.faults.begin_patience`) releases everything it took and raises
`DatabaseUnavailable`; tortoise's own context would keep its lock and hang every later user.

Once the write lock is ours, nothing the transaction runs can wait for another connection,
so its statements run right in the event loop's thread (`InlineConnection`): a hand-over to
the connection's thread and back costs more than SQLite's own work on a small statement.
What can wait (taking the lock, the commit's sync to disk, statements outside a transaction
of ours) still goes to the connection's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from functools import partial
from typing import Any

import aiosqlite
from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

from models.faults import LOCKED, DatabaseUnavailable, begin_patience, fault_kind

BUSY_TIMEOUT_MS = 5000  # statements outside a transaction wait this long for another writer
BEGIN_TRY_MS = 100  # one try at the write lock, in the connection's thread
BEGIN_PAUSE_MAX = 0.25  # seconds between tries, the connection free meanwhile

DURABLE_PRAGMAS = {
    "journal_mode": "WAL",
    "synchronous": "FULL",  # a decision must survive a power cut
    "busy_timeout": BUSY_TIMEOUT_MS,
    "foreign_keys": "ON",
}


def _begin_immediate(conn: sqlite3.Connection) -> None:
    """In the connection's thread: end a stray transaction, then try for the write lock briefly."""
    if conn.in_transaction:
        conn.commit()
    conn.execute(f"PRAGMA busy_timeout={BEGIN_TRY_MS}")
    try:
        conn.execute("BEGIN IMMEDIATE")
    finally:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


# Rollbacks left running by cancelled tasks, kept referenced until they finish.
_CLEANUPS: set[asyncio.Future[None]] = set()


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, running in the caller's thread what cannot wait for a lock: the
    statements of a transaction that holds the write lock (`BEGIN IMMEDIATE` succeeded)."""

    write_locked = False  # set once BEGIN IMMEDIATE succeeded, until the transaction ends

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        conn = self._connection
        if conn is None or not conn.in_transaction:
            self.write_locked = False
        elif self.write_locked and self._running and fn not in (conn.commit, conn.rollback):
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        await self._connection._execute(_begin_immediate, self._connection._conn)
        self._connection.write_locked = True


class ReleasingTransactionContext(SqliteTransactionContext):
    """A transaction that waits for the write lock with patience and gives back what it took."""

    async def __aenter__(self) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + begin_patience.get()
        pause = 0.01
        while True:
            try:  # waiting for the connection counts too: other tasks' tries are holding it
                async with asyncio.timeout(max(deadline - loop.time(), 0.001)):
                    await self._trxlock.acquire()
            except TimeoutError:
                raise DatabaseUnavailable(LOCKED, "the connection stayed busy") from None
            try:
                await self.ensure_connection()
                await self.connection.begin()
            except asyncio.CancelledError:
                # The try may still be running in the thread: undo it before letting go.
                cleanup = asyncio.ensure_future(self._rollback_and_release())
                _CLEANUPS.add(cleanup)
                cleanup.add_done_callback(_CLEANUPS.discard)
                raise
            except (sqlite3.Error, ValueError) as exc:
                self._trxlock.release()
                kind = fault_kind(exc) or "unreachable"
                if kind != LOCKED or loop.time() >= deadline:
                    raise DatabaseUnavailable(kind, str(exc)) from exc
                await asyncio.sleep(min(pause, max(0.0, deadline - loop.time())))
                pause = min(pause * 2, BEGIN_PAUSE_MAX)
                continue
            except BaseException:
                self._trxlock.release()
                raise
            self.token = get_connections().set(self.connection_name, self.connection)
            return self.connection

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            if not self.connection._finalized:
                if exc_type:
                    if exc_type is not TransactionManagementError:
                        await self._quiet_rollback()
                else:
                    await self.connection.commit()
        finally:
            get_connections().reset(self.token)
            self._trxlock.release()

    async def _quiet_rollback(self) -> None:
        """Roll back; a failure to roll back (disk gone) must not hide the first error."""
        try:
            await self.connection.rollback()
        except Exception:
            self.connection._finalized = True
            with contextlib.suppress(Exception):
                await self.connection._connection._execute(
                    _rollback_if_open, self.connection._connection._conn
                )

    async def _rollback_and_release(self) -> None:
        try:
            with contextlib.suppress(Exception):
                await self.connection._connection._execute(
                    _rollback_if_open, self.connection._connection._conn
                )
        finally:
            self._trxlock.release()


def _rollback_if_open(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.rollback()


class DurableSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: object) -> None:
        for pragma, value in DURABLE_PRAGMAS.items():
            kwargs.setdefault(pragma, value)
        super().__init__(file_path, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return ReleasingTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    async def create_connection(self, with_db: bool) -> None:
        if not self._connection:
            connector = partial(
                sqlite3.connect, self.filename, isolation_level=None, check_same_thread=False
            )
            self._connection = await InlineConnection(connector, iter_chunk_size=64)
            self._connection._conn.row_factory = sqlite3.Row
            for pragma, value in self.pragmas.items():
                cursor = await self._connection.execute(f"PRAGMA {pragma}={value}")
                await cursor.close()
            await self._post_connect()


client_class = DurableSqliteClient


def get_client_class(db_info: dict) -> type[SqliteClient]:
    return DurableSqliteClient
