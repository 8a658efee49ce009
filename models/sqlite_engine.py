"""SQLite engine for tortoise that writes durably and takes the write lock up front.

Tortoise's SQLite client starts transactions with a deferred `BEGIN`; when a second process
(the CLI, another worker) writes the same file, the read-to-write upgrade can fail at once
with "database is locked". `BEGIN IMMEDIATE` waits on the busy timeout instead.
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError

DURABLE_PRAGMAS = {
    "journal_mode": "WAL",
    "synchronous": "FULL",  # a decision must survive a power cut
    "busy_timeout": 15000,  # milliseconds another writer may hold the lock
    "foreign_keys": "ON",
}


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class DurableSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: object) -> None:
        for pragma, value in DURABLE_PRAGMAS.items():
            kwargs.setdefault(pragma, value)
        super().__init__(file_path, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = DurableSqliteClient


def get_client_class(db_info: dict) -> type[SqliteClient]:
    return DurableSqliteClient
