"""The memory of reminders: that something was said or answered once, as a unique row.

A claim is a Reminder row with a unique (kind, request, key): inserting it first and writing
the message in the same transaction makes a reminder once, even with two instances sweeping
the same database at the same moment (the second gets an IntegrityError and says nothing).
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from models.db import atomic
from models.request import Reminder

LET_END = "let-end"  # the owner said "let it end" for an end date: no more warnings to them


async def claim(kind: str, request_id: int | None, key: str) -> bool:
    """Record that a reminder is being sent; False when it already was (here or elsewhere)."""
    try:
        async with atomic():  # a savepoint inside the caller's transaction
            await Reminder.create(kind=kind, request_id=request_id, key=key)
    except IntegrityError:
        return False
    return True
