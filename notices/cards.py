"""A request as a card: the summary every approver, webmaster and owner sees."""

from __future__ import annotations

from core.events import Card
from core.thaidate import format_date
from intake.personal import PersonalData
from locales import _
from models.people import Person
from models.request import Attachment, Category, Request


async def request_card(req: Request, locale: str) -> Card:
    """The summary of a request as a card, in the current locale."""
    category = await Category.get_or_none(id=req.category_id) if req.category_id else None
    owner = await Person.get(id=req.owner_id)
    files = await Attachment.filter(request_id=req.id).order_by("position", "id")
    fields: list[tuple[str, str]] = [
        (_("Category"), category.name(locale) if category else "-"),
        (_("Owner"), f"{owner.name} ({req.owner_unit or owner.unit or '-'})"),
        (_("Source"), req.source or "-"),
    ]
    if req.summary:
        fields.append((_("Summary"), req.summary))
    if req.data_from or req.data_until:
        fields.append(
            (
                _("Data covers"),
                f"{format_date(req.data_from, locale)} – {format_date(req.data_until, locale)}",
            )
        )
    fields.append((_("Publish"), format_date(req.publish_date, locale)))
    fields.append(
        (_("Until"), format_date(req.end_date, locale) if req.end_date else _("no end date"))
    )
    if req.external_link:
        fields.append((_("Link"), req.external_link))
    for f in files:
        fields.append((_("File"), f"{f.original_name} ({human_size(f.size)})"))
    for f in files:
        found = PersonalData.from_dict(f.personal)
        if found:
            fields.append((_("⚠️ Personal data"), f"{f.original_name}: {found.describe()}"))
    if req.urgent:
        fields.append((_("Urgent"), req.urgent_reason or _("yes")))
    if req.remarks:
        fields.append((_("Remarks"), req.remarks))
    ref = req.ref or _("Draft")
    title = f"{ref} · {req.title}"
    return Card(title=title, fields=tuple(fields), urgent=req.urgent)


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


async def attachment_ids(req: Request) -> tuple[int, ...]:
    return tuple(
        await Attachment.filter(request_id=req.id)
        .order_by("position", "id")
        .values_list("id", flat=True)
    )
