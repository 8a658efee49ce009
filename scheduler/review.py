"""Periodic review of items published with no end date (announcement 3.2: keep data current).

The workflow sets `review_due` at publication; when it comes, the owner is asked whether the
item is still current. Unanswered, the question is asked again every REASK_DAYS.
"""

from __future__ import annotations

from datetime import datetime

from core.events import Outgoing
from core.runtime import Runtime
from core.thaidate import format_date
from locales import _
from models.enums import Status
from models.request import Request
from notices.buttons import button
from scheduler.base import Batches, Due, Recipient, day_start, send_batches, tag
from scheduler.wording import BUTTON_ITEMS, item_line, join_parts, section, short_ref

REVIEW = "review"
REASK_DAYS = 30


async def review_items(rt: Runtime, now: datetime) -> int:
    """Ask owners whether their open-ended items are still current."""
    today = rt.today(now)
    # Answered by the (status, review_due) index.
    due = (
        await Request.filter(
            org_id=rt.org_id, status=Status.PUBLISHED, review_due__lte=today, end_date=None
        )
        .order_by("review_due", "id")
        .prefetch_related("owner")
    )
    batches = Batches()
    for req in due:
        if now < day_start(rt, req.review_due) or not req.owner.active:
            continue
        round_no = (today - req.review_due).days // REASK_DAYS
        key = f"{req.review_due.isoformat()}:{round_no}:{tag(req.owner)}"
        batches.add(req.owner, Due(req.id, key, req))

    async def render(person: Recipient, items: list[Due], locale: str) -> Outgoing:
        return await review_message(rt, [d.subject for d in items], locale)

    return await send_batches(rt, REVIEW, batches, render)


async def review_message(rt: Runtime, reqs: list[Request], locale: str) -> Outgoing:
    """The owner's question, with Still current / Update / Remove for each item."""
    lines = [
        item_line(
            req,
            _("published {date}").format(
                date=format_date(rt.today(req.published_at) if req.published_at else None, locale)
            ),
        )
        for req in reqs
    ]
    text = join_parts(
        section(_("Items due for their periodic review"), lines),
        _(
            "Are they still current? Still current keeps them online until the next review; "
            "Update starts a revised request; Remove asks the webmasters to take them down."
        ),
    )
    buttons = []
    for req in reqs[:BUTTON_ITEMS]:
        suffix = f" {short_ref(req.ref)}" if len(reqs) > 1 else ""
        data = {"review_due": req.review_due.isoformat()}
        for label, action, style in (
            (_("Still current"), "review_keep", "primary"),
            (_("Update"), "review_update", "secondary"),
            (_("Remove"), "review_remove", "danger"),
        ):
            buttons.append(
                await button(label + suffix, action, request_id=req.id, data=data, style=style)
            )
    return Outgoing(text=text, buttons=tuple(buttons))
