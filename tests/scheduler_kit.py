"""Helpers for the scheduler's tests: published items, a person's inbox, taps and typing."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

import procedure
from core.events import Incoming, Outgoing
from core.runtime import Runtime
from handlers.base import Context
from handlers.router import build_router, handle
from locales import using_locale
from models.enums import Role
from models.messaging import OutboxMessage
from models.people import Person
from models.request import Request
from notices.outbox import locale_of
from tests.factories import draft, person

BKK = ZoneInfo("Asia/Bangkok")
PUBLISHED_AT = "2026-11-25T10:00"
_events = itertools.count(1)


def at(text: str) -> datetime:
    """A Bangkok wall-clock time: `at("2027-01-05T08:30")`."""
    return datetime.fromisoformat(text).replace(tzinfo=BKK)


async def cast(rt: Runtime, locale: str = "en") -> dict[str, Person]:
    """The usual people: an owner, the approver (Palad), two webmasters and an admin."""
    return {
        "owner": await person(rt, "Somchai", locale=locale),
        "approver": await person(rt, "Palad Paisan", Role.APPROVER, locale=locale),
        "web1": await person(rt, "Wirat", Role.WEBMASTER, locale=locale),
        "web2": await person(rt, "Dusit", Role.WEBMASTER, locale=locale),
        "admin": await person(rt, "Admin Anong", Role.ADMIN, locale=locale),
    }


async def published(
    rt: Runtime,
    people: dict[str, Person],
    *,
    end: date | None,
    title: str = "Job posting",
    category: str = "public-relations",
    owner: Person | None = None,
    when: str = PUBLISHED_AT,
) -> Request:
    """An item taken through submit, approve and publish at `when`."""
    now = at(when)
    owner = owner or people["owner"]
    req = await draft(rt, owner, category=category, title=title, end_in_days=None)
    await Request.filter(id=req.id).update(end_date=end, publish_date=now.date())
    await procedure.submit(rt, req.id, owner.id, now=now)
    await procedure.transition(rt, req.id, "approve", people["approver"].id, now=now)
    await procedure.transition(
        rt,
        req.id,
        "publish",
        people["web1"].id,
        now=now,
        url=f"https://www.mukdahancity.go.th/n/{req.id}",
    )
    return await Request.get(id=req.id)


async def inbox(who: Person, prefix: str = "scheduler.") -> list[Outgoing]:
    """What a person was sent whose outbox kind starts with `prefix`, oldest first."""
    rows = await OutboxMessage.filter(person_id=who.id, kind__startswith=prefix).order_by("id")
    return [Outgoing.from_dict(row.payload) for row in rows]


async def texts(who: Person, prefix: str = "scheduler.") -> list[str]:
    return [message.text for message in await inbox(who, prefix)]


async def _event(rt: Runtime, who: Person, now: datetime, **incoming: object) -> Context:
    locale = await locale_of(who, rt.default_locale)
    ctx = Context(
        rt=rt,
        incoming=Incoming(
            channel="telegram",
            user=str(who.id),
            chat=str(who.id),
            event_id=f"e{next(_events)}",
            **incoming,
        ),
        now=now,
        locale=locale,
        person=who,
    )
    async with in_transaction():  # as the inbox runs a flow: one transaction per event
        with using_locale(locale):
            await handle(build_router(), ctx)
    return ctx


async def tap(
    rt: Runtime,
    who: Person,
    message: Outgoing,
    label: str,
    now: datetime,
    *,
    picked: str | None = None,
) -> list[str]:
    """`who` taps the button labelled `label` (or the date picker, with `picked`); the replies."""
    if picked is not None:
        assert message.date_picker is not None, "no date picker on the message"
        action = message.date_picker.action
    else:
        labels = [b.label for b in message.buttons]
        assert label in labels, f"no button {label!r} among {labels}"
        action = next(b.action for b in message.buttons if b.label == label)
    ctx = await _event(rt, who, now, kind="button", action=action, date=picked)
    return [reply.text for reply in ctx.replies]


async def tap_reply(
    rt: Runtime, who: Person, message: Outgoing, label: str, now: datetime, **kw: str
) -> Outgoing:
    """Tap and return the (single) reply message itself, to tap on it in turn."""
    if "picked" in kw:
        action = message.date_picker.action
        ctx = await _event(rt, who, now, kind="button", action=action, date=kw["picked"])
    else:
        action = next(b.action for b in message.buttons if b.label == label)
        ctx = await _event(rt, who, now, kind="button", action=action)
    assert len(ctx.replies) == 1, [r.text for r in ctx.replies]
    return ctx.replies[0]


async def says(rt: Runtime, who: Person, text: str, now: datetime) -> list[str]:
    ctx = await _event(rt, who, now, kind="message", text=text)
    return [reply.text for reply in ctx.replies]
