"""Who is who: the organization row, people by role, the acting approver, addresses for pushes."""

from __future__ import annotations

from datetime import date, datetime

from core.org_config import OrgConfig
from core.runtime import Runtime
from models.db import atomic
from models.enums import Channel, Role
from models.people import Delegation, Identity, Organization, Person
from models.request import Category, Request
from models.sql import fetch


async def ensure_organization(org: OrgConfig) -> Organization:
    """Create or refresh the organization and its categories from the org file."""
    async with atomic():
        row = await Organization.get_or_none(slug=org.organization.slug)
        fields = dict(
            name_th=org.organization.name_th,
            name_en=org.organization.name_en,
            website=org.organization.website,
        )
        if row is None:
            row = await Organization.create(slug=org.organization.slug, **fields)
        else:
            await Organization.filter(id=row.id).update(**fields)
        for position, cat in enumerate(org.categories):
            values = dict(
                name_th=cat.name_th,
                name_en=cat.name_en,
                end_date_required=cat.end_date_required,
                default_period_days=cat.default_period_days,
                link_allowed=cat.link_allowed,
                position=position,
                active=True,
            )
            changed = await Category.filter(org_id=row.id, key=cat.key).update(**values)
            if not changed:
                await Category.create(org_id=row.id, key=cat.key, **values)
        keys = [c.key for c in org.categories]
        await Category.filter(org_id=row.id).exclude(key__in=keys).update(active=False)
    return row


async def roles_of(person_id: int, *, active: bool | None = None) -> set[Role]:
    """A person's roles, staff included; none at all once they are deactivated (`active`:
    what the caller read of the person in this transaction, to spare a query)."""
    if active is None:
        active = await Person.filter(id=person_id, active=True).exists()
    if not active:
        return set()
    rows = await fetch('SELECT "role" FROM "role_assignment" WHERE "person_id"=?', person_id)
    return {Role(row[0]) for row in rows} | {Role.STAFF}


async def people_with_role(org_id: int, role: Role) -> list[Person]:
    return (
        await Person.filter(org_id=org_id, active=True, roles__role=role).distinct().order_by("id")
    )


async def active_delegation(org_id: int, day: date) -> Delegation | None:
    return (
        await Delegation.filter(org_id=org_id, revoked=False, starts_on__lte=day, ends_on__gte=day)
        .order_by("-id")
        .first()
    )


async def deciders(org_id: int, day: date) -> list[Person]:
    """Who decides today: the acting approver under a delegation, else every approver."""
    delegation = await active_delegation(org_id, day)
    if delegation is not None:
        acting = await Person.get_or_none(id=delegation.acting_id, active=True)
        if acting is not None:
            return [acting]
    return await people_with_role(org_id, Role.APPROVER)


async def deciders_of(org_id: int, day: date, owner_id: int | None) -> list[Person]:
    """Who decides a request today: the day's deciders, never its owner. When the owner is the
    acting approver, the approvers they act for; an empty list means someone must be named."""
    people = [p for p in await deciders(org_id, day) if p.id != owner_id]
    if people:
        return people
    return [p for p in await people_with_role(org_id, Role.APPROVER) if p.id != owner_id]


async def may_decide(
    rt: Runtime, person_id: int, now: datetime, request: Request | None = None
) -> tuple[bool, int | None]:
    """Whether a person may decide today, and for whom they act when not in their own right.

    The approver decides, or the acting approver under a delegation (for the approver); a
    request handed to someone (its assignee) may also be decided by them, for the day's approver.
    Nobody active in this organization decides their own request.
    """
    if not await Person.filter(id=person_id, org_id=rt.org_id, active=True).exists():
        return False, None  # deactivated, or of another organization
    if request is not None and (request.owner_id == person_id or request.org_id != rt.org_id):
        return False, None  # nobody decides their own request, nor another org's
    day = rt.today(now)
    delegation = await active_delegation(rt.org_id, day)
    if delegation is not None and delegation.acting_id == person_id:
        return True, delegation.approver_id
    if Role.APPROVER in await roles_of(person_id):
        return True, None
    if request is not None and request.assignee_id == person_id:
        day_deciders = await deciders(rt.org_id, day)
        return True, next((p.id for p in day_deciders if p.id != person_id), None)
    return False, None


async def push_address(person: Person) -> Identity | None:
    """Where a notification for a person goes: their chosen platform, else Telegram, else LINE."""
    identities = await Identity.filter(person_id=person.id).order_by("id")
    if not identities:
        return None
    by_channel = {i.channel: i for i in identities}
    if person.notify_channel and person.notify_channel in by_channel:
        return by_channel[person.notify_channel]
    for channel in (Channel.TELEGRAM, Channel.LINE, Channel.SANDBOX):
        if channel in by_channel:
            return by_channel[channel]
    return identities[0]
