"""Database faults that pass (busy, locked, unreachable) told apart from those that stay."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tortoise.exceptions import OperationalError

# How long a transaction may wait to begin before it gives up (seconds); webhooks and the
# health check wait less, so that they answer while another process holds the database.
begin_patience: ContextVar[float] = ContextVar("begin_patience", default=15.0)

LOCKED = "locked"
READ_ONLY = "read-only"
DISK_FULL = "disk-full"
UNREACHABLE = "unreachable"

# Words of SQLite's and PostgreSQL's messages, and the kind of fault they tell of.
_MARKERS = (
    ("database is locked", LOCKED),
    ("database table is locked", LOCKED),
    ("database is busy", LOCKED),
    ("could not obtain lock", LOCKED),
    ("deadlock detected", LOCKED),
    ("could not serialize access", LOCKED),
    ("readonly database", READ_ONLY),
    ("read-only", READ_ONLY),
    ("disk is full", DISK_FULL),
    ("no space left", DISK_FULL),
    ("disk i/o error", UNREACHABLE),
    ("unable to open database", UNREACHABLE),
    ("connection", UNREACHABLE),
    ("server closed", UNREACHABLE),
    ("terminating", UNREACHABLE),
    ("the database system is", UNREACHABLE),
)


class DatabaseUnavailable(OperationalError):
    """The database could not be used for a while: a transaction could not begin in time."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"database {kind}: {detail}")
        self.kind = kind
        self.detail = detail


def fault_kind(exc: BaseException) -> str | None:
    """What kind of database fault an exception is (LOCKED, READ_ONLY, …), None if none."""
    if isinstance(exc, DatabaseUnavailable):
        return exc.kind
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionError | sqlite3.OperationalError | OperationalError):
            text = str(current).lower()
            for marker, kind in _MARKERS:
                if marker in text:
                    return kind
            if isinstance(current, ConnectionError):
                return UNREACHABLE
        if (
            type(current).__module__.startswith("asyncpg")
            and "Connection" in type(current).__name__
        ):
            return UNREACHABLE
        current = current.__cause__ or current.__context__
    return None


def is_transient(exc: BaseException) -> bool:
    """A fault worth waiting out: the database busy or away, the network, a timeout."""
    if fault_kind(exc) is not None:
        return True
    return isinstance(exc, TimeoutError | ConnectionError | OSError)


@contextmanager
def patience(seconds: float) -> Iterator[None]:
    """Transactions begun in this block wait at most `seconds` for the database."""
    token = begin_patience.set(seconds)
    try:
        yield
    finally:
        begin_patience.reset(token)
