"""Plain SQL for the few fixed statements the inbox and the outbox run for every event.

Tortoise builds each query anew (pypika copies the query object at every builder step), and
for these one-row statements that costs more than the database's own work: about a fifth of
a reply's CPU. Statements here are written once with `?` placeholders, numbered for
PostgreSQL, and run on the connection of the transaction under way, like the ORM's. Values go
in as the ORM writes them (`db_value`), rows come back as models through the ORM's own
`_init_from_db`, so both ways of reading a row agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import Enum
from functools import lru_cache
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)

_PLACEHOLDER = re.compile(r"\?")


def _client() -> BaseDBAsyncClient:
    return connections.get("default")


@lru_cache(maxsize=1024)
def _numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, …`."""
    count = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _m: f"${next(count)}", sql)


def _text(client: BaseDBAsyncClient, sql: str) -> str:
    return _numbered(sql) if client.capabilities.dialect == "postgres" else sql


def is_postgres() -> bool:
    return _client().capabilities.dialect == "postgres"


def marks(n: int) -> str:
    """`?,?,…` for an IN list of n values."""
    return ",".join("?" * n)


def db_value(value: Any) -> Any:
    """A value as the ORM writes it: enums by their value (datetimes are adapted by the driver)."""
    return value.value if isinstance(value, Enum) else value


async def fetch(sql: str, *params: Any) -> list[Any]:
    """Rows of a SELECT; each can be read by position or by column name."""
    client = _client()
    _count, rows = await client.execute_query(_text(client, sql), [db_value(p) for p in params])
    return list(rows)


async def execute(sql: str, *params: Any) -> int:
    """An UPDATE or DELETE; returns how many rows it changed."""
    client = _client()
    changed, _rows = await client.execute_query(_text(client, sql), [db_value(p) for p in params])
    return changed


async def execute_many(sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """One statement for many rows of values (call inside a transaction)."""
    client = _client()
    values = [[db_value(v) for v in row] for row in rows]
    if values:
        await client.execute_many(_text(client, sql), values)


def as_model(model: type[M], row: Any, prefix: str = "") -> M:
    """A model from a row's columns (those named `prefix` + column, when several tables were
    joined), converted as the ORM converts what it reads."""
    columns = model._meta.fields_db_projection.values()
    return model._init_from_db(**{column: row[prefix + column] for column in columns})


@lru_cache(maxsize=64)
def columns(model: type[Model], table: str | None = None, prefix: str = "") -> str:
    """The model's columns for a SELECT, as `"t"."c" "prefix c"` when a prefix is given
    (asked for once the ORM is up: foreign key columns are known only then)."""
    table = table or model._meta.db_table
    return ",".join(
        f'"{table}"."{c}"' + (f' "{prefix}{c}"' if prefix else "")
        for c in model._meta.fields_db_projection.values()
    )
