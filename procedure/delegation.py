"""Acting approvers (รักษาราชการแทน): finding people by name, making and ending delegations."""

from __future__ import annotations

from datetime import date, datetime

from tortoise.expressions import Q

from core.errors import Refusal
from core.events import Outgoing
from core.runtime import Runtime
from core.thaidate import DateInputError, format_date, parse_date
from locales import _
from models.audit import append_event
from models.db import atomic
from models.directory import people_with_role
from models.enums import Role
from models.people import Delegation, Person
from notices.outbox import notify


class DelegationError(Refusal):
    """A delegation that cannot be made; the message says why."""


async def find_person(org_id: int, name: str) -> Person:
    """The one active person whose name is, or else contains, the given text."""
    wanted = " ".join(name.split())
    if not wanted:
        raise DelegationError(_("Please give a name."))
    people = await Person.filter(org_id=org_id, active=True, name=wanted)
    if not people:
        people = await Person.filter(org_id=org_id, active=True, name__icontains=wanted)
    if len(people) == 1:
        return people[0]
    if not people:
        raise DelegationError(_("Nobody enrolled is called {name}.").format(name=wanted))
    raise DelegationError(
        _("Several people match {name}: {names}. Please give the full name.").format(
            name=wanted, names=", ".join(p.name for p in people[:6])
        )
    )


def read_day(text: str, today: date) -> date:
    """An ISO date or any date a Thai officer types (25/11/2569, วันนี้, ...)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    try:
        return parse_date(text, today)
    except DateInputError as exc:
        raise DelegationError(exc.message) from None


async def delegate(
    rt: Runtime,
    acting: Person,
    starts: date,
    ends: date,
    now: datetime,
    *,
    approver: Person | None = None,
    actor_id: int | None = None,
) -> Delegation:
    """Record an acting approver for a date range and tell both people."""
    if ends < starts:
        raise DelegationError(_("The last day is before the first day."))
    if ends < rt.today(now):
        raise DelegationError(_("That period is already over."))
    if approver is None:
        approvers = await people_with_role(rt.org_id, Role.APPROVER)
        approver = approvers[0] if len(approvers) == 1 else None
    if approver is not None and approver.id == acting.id:
        raise DelegationError(_("The approver cannot act for themselves."))
    async with atomic():
        row = await _record(rt, acting, approver, starts, ends, now, actor_id)
        for person in {p.id: p for p in (acting, approver) if p is not None}.values():
            if person.id != actor_id:
                await _tell(rt, person, acting, approver, row)
    return row


async def _record(
    rt: Runtime,
    acting: Person,
    approver: Person | None,
    starts: date,
    ends: date,
    now: datetime,
    actor_id: int | None,
) -> Delegation:
    row = await Delegation.create(
        org_id=rt.org_id,
        approver_id=approver.id if approver else None,
        acting_id=acting.id,
        starts_on=starts,
        ends_on=ends,
    )
    await append_event(
        rt.org_id,
        "delegation.create",
        actor_id=actor_id,
        at=now,
        data={
            "delegation": row.id,
            "acting": acting.id,
            "approver": approver.id if approver else None,
            "from": starts.isoformat(),
            "until": ends.isoformat(),
        },
    )
    return row


async def _tell(
    rt: Runtime, person: Person, acting: Person, approver: Person | None, row: Delegation
) -> None:
    def told(locale: str) -> Outgoing:
        return Outgoing(
            text=_("{acting} acts for the approver {approver} from {start} until {end}.").format(
                acting=acting.name,
                approver=approver.name if approver else "-",
                start=format_date(row.starts_on, locale),
                end=format_date(row.ends_on, locale),
            )
        )

    await notify(person, told, default_locale=rt.default_locale, kind="delegation")


async def current_and_future(rt: Runtime, now: datetime) -> list[Delegation]:
    today = rt.today(now)
    return (
        await Delegation.filter(org_id=rt.org_id, revoked=False, ends_on__gte=today)
        .order_by("starts_on", "id")
        .prefetch_related("acting", "approver")
    )


async def end_delegations(rt: Runtime, now: datetime, actor_id: int | None) -> int:
    """Revoke every current and future delegation; returns how many."""
    rows = await current_and_future(rt, now)
    if rows:
        await Delegation.filter(Q(id__in=[r.id for r in rows])).update(revoked=True)
        await append_event(
            rt.org_id,
            "delegation.revoke",
            actor_id=actor_id,
            at=now,
            data={"delegations": [r.id for r in rows]},
        )
    return len(rows)


def describe(row: Delegation, locale: str) -> str:
    return _("{acting} for {approver}: {start} – {end}").format(
        acting=row.acting.name,
        approver=row.approver.name if row.approver else "-",
        start=format_date(row.starts_on, locale),
        end=format_date(row.ends_on, locale),
    )
