"""Opening, closing and migrating the database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from models import MODEL_MODULES

APP = "models"


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The tortoise configuration for a database URL; SQLite goes through our durable engine."""
    if database_url.startswith("sqlite://"):
        path = database_url.removeprefix("sqlite://")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection: Any = {"engine": "models.sqlite_engine", "credentials": {"file_path": path}}
    else:
        connection = database_url
    return {
        "connections": {"default": connection},
        "apps": {
            APP: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


Flush = Callable[[list[Any]], Awaitable[None]]

# What the open unit of work has queued for just before it commits: (flush, item), in order.
_queued: ContextVar[list[tuple[Flush, Any]] | None] = ContextVar("queued_for_commit", default=None)


@asynccontextmanager
async def atomic() -> AsyncIterator[Any]:
    """A unit of work: a transaction, or a savepoint inside one; it commits whole or not at all.

    Work queued with `before_commit` runs at the end of the outermost unit, inside its
    transaction; a savepoint that rolls back drops what was queued within it.
    """
    queued = _queued.get()
    if queued is not None:
        mark = len(queued)
        try:
            async with in_transaction() as connection:
                yield connection
        except BaseException:
            del queued[mark:]
            raise
        return
    queued = []
    token = _queued.set(queued)
    try:
        async with in_transaction() as connection:
            yield connection
            await run_queued()
    finally:
        _queued.reset(token)


def before_commit(flush: Flush, item: Any) -> bool:
    """Queue `item` for `flush` (called once with all its items, in order) just before the open
    unit of work commits; False when no unit of work is open."""
    queued = _queued.get()
    if queued is None:
        return False
    queued.append((flush, item))
    return True


async def run_queued() -> None:
    """Do what the open unit of work queued, now: before its commit, or before a read that must
    see it."""
    queued = _queued.get()
    while queued:
        taken = queued[:]
        queued.clear()
        by_flush: dict[Flush, list[Any]] = {}
        for flush, item in taken:
            by_flush.setdefault(flush, []).append(item)
        for flush, items in by_flush.items():
            await flush(items)


async def open_db(database_url: str) -> None:
    await Tortoise.init(config=tortoise_config(database_url))


async def close_db() -> None:
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    await Tortoise.close_connections()
    # Forget the model bindings too, so a later open (another database, another engine) rebuilds
    # them; tortoise otherwise keeps the first engine's query builder on every model, and its
    # insert statements cached by connection name ("default"), whatever the engine.
    await Tortoise._reset_apps()
    EXECUTOR_CACHE.clear()


@asynccontextmanager
async def database(database_url: str) -> AsyncIterator[None]:
    """The database open for the length of a block."""
    await open_db(database_url)
    try:
        yield
    finally:
        await close_db()


async def upgrade(database_url: str) -> list[str]:
    """Apply every migration not yet applied; returns the names applied (empty when current)."""
    from tortoise.migrations.api import migrate

    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(name)

    await migrate(config=tortoise_config(database_url), progress=progress)
    await close_db()
    return applied


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgres://", "postgresql://", "asyncpg://", "psycopg://"))
