"""Factories with defaults: people with roles and platform accounts, requests in any state."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from core.runtime import Runtime
from models.enums import Channel, Role, Status
from models.people import Identity, Person, RoleAssignment
from models.request import Attachment, Category, Request

_ids = itertools.count(1)


async def person(
    rt: Runtime,
    name: str = "",
    *roles: Role,
    channel: Channel = Channel.TELEGRAM,
    locale: str | None = None,
    unit: str = "กองคลัง",
) -> Person:
    """A person with the given roles and one platform account."""
    n = next(_ids)
    p = await Person.create(org_id=rt.org_id, name=name or f"คนที่ {n}", unit=unit, locale=locale)
    for role in roles:
        await RoleAssignment.create(person_id=p.id, role=role)
    user = f"U{n:032x}" if channel == Channel.LINE else str(100000 + n)
    await Identity.create(person_id=p.id, channel=channel, platform_user_id=user, chat_id=user)
    return p


async def draft(
    rt: Runtime,
    owner: Person,
    *,
    category: str = "public-relations",
    title: str = "ประกาศรับสมัครงาน",
    urgent: bool = False,
    end_in_days: int | None = 30,
    with_file: bool = True,
    publish_on: date | None = None,
) -> Request:
    """A complete draft, ready to submit (published from 25 Nov 2026 unless `publish_on`)."""
    cat = await Category.get(org_id=rt.org_id, key=category)
    today = publish_on or date(2026, 11, 25)
    req = await Request.create(
        org_id=rt.org_id,
        owner_id=owner.id,
        owner_unit=owner.unit,
        category_id=cat.id,
        title=title,
        summary="สรุป",
        source=owner.unit,
        publish_date=today,
        end_date=today + timedelta(days=end_in_days) if end_in_days else None,
        urgent=urgent,
        urgent_reason="ด่วนมาก" if urgent else "",
        certified=True,
        status=Status.DRAFT,
    )
    if with_file:
        await Attachment.create(
            request_id=req.id,
            original_name="ประกาศ.pdf",
            extension="pdf",
            mime_type="application/pdf",
            size=1234,
            sha256="ab" * 32,
        )
    return req
