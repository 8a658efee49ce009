"""What every sweep shares: claims in the reminder table, the working day, batched notices.

A reminder is sent once because its claim (models.reminders.claim) is a row with a unique
(kind, request, key), inserted in the transaction that writes the message; PostgreSQL makes a
second instance's insert wait for the first one's commit, then refuses it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from core.events import Outgoing
from core.runtime import Runtime
from locales import using_locale
from models.db import atomic
from models.directory import people_with_role, push_address
from models.enums import Role, TaskKind, TaskStatus
from models.people import GroupChat, Person
from models.reminders import claim
from models.request import Reminder, Task
from notices.copies import webmaster_group
from notices.outbox import enqueue_group, enqueue_push, locale_of


def day_start(rt: Runtime, day: date) -> datetime:
    """The moment a day's reminders fall due (Runtime.day_start), later when catching up."""
    return rt.day_start(day)


def is_working_day(rt: Runtime, day: date) -> bool:
    reminders = rt.org.reminders
    return day.isoweekday() in reminders.digest_weekdays and day not in reminders.holidays


WORKING_TIME_DAYS_MAX = 400  # past a year of waiting, more working hours change nothing


def working_time(rt: Runtime, start: datetime, end: datetime) -> timedelta:
    """The office hours on working days between two instants."""
    reminders = rt.org.reminders
    total = timedelta()
    day = rt.today(start)
    for _ in range(WORKING_TIME_DAYS_MAX):
        if day > rt.today(end):
            break
        if is_working_day(rt, day):
            opens = datetime.combine(day, reminders.office_opens, tzinfo=rt.tz)
            closes = datetime.combine(day, reminders.office_closes, tzinfo=rt.tz)
            total += max(timedelta(), min(closes, end) - max(opens, start))
        day += timedelta(days=1)
    return total


@dataclass(frozen=True)
class Due:
    """One thing one recipient is to hear about, and the key that makes it once."""

    request_id: int | None
    key: str
    subject: Any = None  # what the renderer needs: a request, a task, a row of a report


Recipient = Person | GroupChat


def tag(who: Recipient) -> str:
    """The recipient's part of a claim key: `p12` for a person, `g3` for a group chat."""
    return f"g{who.id}" if isinstance(who, GroupChat) else f"p{who.id}"


async def webmaster_audience(rt: Runtime) -> list[Recipient]:
    """Where webmasters' shared news goes: their registered group chat, else each of them."""
    group = await webmaster_group(rt.org_id)
    if group is not None:
        return [group]
    return list(await people_with_role(rt.org_id, Role.WEBMASTER))


@dataclass
class Batches:
    """What each recipient is to hear from one sweep: one message each, all items in it."""

    recipients: dict[str, Recipient] = field(default_factory=dict)
    items: dict[str, list[Due]] = field(default_factory=dict)

    def add(self, who: Recipient, due: Due) -> None:
        self.recipients[tag(who)] = who
        self.items.setdefault(tag(who), []).append(due)


Render = Callable[[Recipient, list[Due], str], Awaitable[Outgoing | None]]
CHUNK = 500  # values per IN (...): far under SQLite's limit on bound parameters


async def already_claimed(kind: str, batches: Batches) -> set[tuple[int | None, str]]:
    """The claims of a batch already in the table: a shortcut, the insert still decides."""
    dues = [due for items in batches.items.values() for due in items]
    request_ids = sorted({d.request_id for d in dues if d.request_id is not None})
    keys = sorted({d.key for d in dues if d.request_id is None})
    found: set[tuple[int | None, str]] = set()
    for start in range(0, len(request_ids), CHUNK):
        chunk = request_ids[start : start + CHUNK]
        found.update(
            await Reminder.filter(kind=kind, request_id__in=chunk).values_list("request_id", "key")
        )
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        rows = await Reminder.filter(kind=kind, request_id=None, key__in=chunk).values_list(
            "key", flat=True
        )
        found.update((None, key) for key in rows)
    return found


async def send_batches(rt: Runtime, kind: str, batches: Batches, render: Render) -> int:
    """Claim each recipient's items and write one message for what they claimed; the count sent.

    One transaction per recipient: the claims and the outbox row commit together or not at
    all. Recipients and items go in a fixed order so that two instances never wait on each
    other in a circle. A person without a chat yet is skipped without a claim, to be told
    once they have one. A group chat hears in the organization's language.
    """
    sent = 0
    taken = await already_claimed(kind, batches)
    for key in sorted(batches.items):
        who = batches.recipients[key]
        items = sorted(
            (d for d in batches.items[key] if (d.request_id, d.key) not in taken),
            key=lambda d: (d.request_id or 0, d.key),
        )
        if not items:
            continue
        if isinstance(who, GroupChat):
            locale = rt.default_locale
        elif await push_address(who) is None:
            continue
        else:
            locale = await locale_of(who, rt.default_locale)
        async with atomic():
            claimed = [due for due in items if await claim(kind, due.request_id, due.key)]
            if not claimed:
                continue
            with using_locale(locale):
                message = await render(who, claimed, locale)
            if message is None:
                continue  # claimed with nothing to say (an empty digest): still once a day
            sent += await _enqueue(who, message, claimed, f"scheduler.{kind}")
    return sent


async def _enqueue(who: Recipient, message: Outgoing, claimed: list[Due], kind: str) -> int:
    request_ids = {due.request_id for due in claimed}
    request_id = request_ids.pop() if len(request_ids) == 1 else None
    if isinstance(who, GroupChat):
        await enqueue_group(who, message, request_id=request_id, kind=kind)
        return 1
    return await enqueue_push(who, message, request_id=request_id, kind=kind) is not None


async def open_tasks(rt: Runtime, kind: TaskKind) -> list[Task]:
    """Unfinished webmaster tasks of a kind (open or claimed), oldest first, with their request."""
    return (
        await Task.filter(
            kind=kind,
            status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED],
            request__org_id=rt.org_id,
        )
        .order_by("id")
        .prefetch_related("request")
    )
