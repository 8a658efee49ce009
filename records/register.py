"""The register (ทะเบียนคุม): one row per request of a period, every field, decision and date.

A period is a Thai fiscal year (1 October – 30 September) unless given otherwise; a request
belongs to the period its submission falls in. XLSX for the office, CSV in UTF-8 with a BOM
so that Excel opens the Thai text right.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from core.runtime import Runtime
from core.thaidate import format_date, format_datetime
from locales import N_, _, current_locale
from models.audit import AuditEvent, settle_appends
from models.enums import Status
from models.people import Person
from models.request import Attachment, Category, Decision, Request
from models.workflow import status_label

# (key, header): the key is what the JSON and the tests read, the header what the office reads.
COLUMNS = (
    ("ref", N_("Reference")),
    ("status", N_("Status")),
    ("title", N_("Title")),
    ("summary", N_("Details (summary)")),
    ("category", N_("Category")),
    ("owner", N_("Owner")),
    ("owner_unit", N_("Unit")),
    ("source", N_("Source or data owner")),
    ("data_from", N_("Data from")),
    ("data_until", N_("Data until")),
    ("publish_date", N_("Publish from")),
    ("end_date", N_("Publish until")),
    ("external_link", N_("External link")),
    ("remarks", N_("Remarks")),
    ("urgent", N_("Urgent")),
    ("files", N_("Files")),
    ("submitted_at", N_("Submitted at")),
    ("decision", N_("Decision")),
    ("decided_by", N_("Decided by")),
    ("how", N_("How")),
    ("acting_for", N_("Acting for")),
    ("decided_at", N_("Decided at")),
    ("reason", N_("Reason")),
    ("approval_hours", N_("Hours to decide")),
    ("published_by", N_("Published by")),
    ("published_at", N_("Published at")),
    ("publishing_hours", N_("Hours to publish")),
    ("published_url", N_("Page URL")),
    ("expired_at", N_("Due for takedown at")),
    ("removed_at", N_("Taken down at")),
    ("revision_of", N_("Revision of")),
)
DECIDED = ("approve", "verbal_approve", "reject", "send_back")
HOW = {"button": N_("chat button"), "verbal": N_("verbally")}
DECISION = {
    "approve": N_("approved"),
    "verbal_approve": N_("approved verbally"),
    "reject": N_("not approved"),
    "send_back": N_("sent back by the checker"),
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def label(self, locale: str) -> str:
        return f"{format_date(self.start, locale)} – {format_date(self.end, locale)}"


def hours_between(start: datetime | None, end: datetime | None) -> float | None:
    return round((end - start).total_seconds() / 3600, 1) if start and end else None


async def register_rows(rt: Runtime, period: Period) -> list[dict[str, Any]]:
    """The requests submitted in the period, oldest first, each as one row of COLUMNS' keys."""
    await settle_appends()  # this transaction's own appends are read too
    start = datetime.combine(period.start, datetime.min.time(), rt.tz)
    end = datetime.combine(period.end + timedelta(days=1), datetime.min.time(), rt.tz)
    requests = (
        await Request.filter(org_id=rt.org_id, submitted_at__gte=start, submitted_at__lt=end)
        .exclude(status=Status.DRAFT)
        .order_by("submitted_at", "id")
    )
    return [await _row(rt, req) for req in requests]


async def _name(person_id: int | None) -> str:
    person = await Person.get_or_none(id=person_id) if person_id else None
    return person.name if person else ""


async def _row(rt: Runtime, req: Request) -> dict[str, Any]:
    locale = current_locale()

    def local(moment: datetime | None) -> str:
        return format_datetime(moment.astimezone(rt.tz), locale) if moment else ""

    category = await Category.get_or_none(id=req.category_id) if req.category_id else None
    files = await Attachment.filter(request_id=req.id).order_by("position", "id")
    decision = await Decision.filter(request_id=req.id, action__in=DECIDED).order_by("-id").first()
    published = (
        await AuditEvent.filter(request_id=req.id, kind="request.publish").order_by("-seq").first()
    )
    previous = await Request.get_or_none(id=req.revision_of_id) if req.revision_of_id else None
    verbal = decision is not None and decision.action == "verbal_approve"
    return {
        "ref": req.ref,
        "status": status_label(req.status),
        "title": req.title,
        "summary": req.summary,
        "category": category.name(locale) if category else "",
        "owner": await _name(req.owner_id),
        "owner_unit": req.owner_unit,
        "source": req.source,
        "data_from": format_date(req.data_from, locale) if req.data_from else "",
        "data_until": format_date(req.data_until, locale) if req.data_until else "",
        "publish_date": format_date(req.publish_date, locale) if req.publish_date else "",
        "end_date": format_date(req.end_date, locale) if req.end_date else "",
        "external_link": req.external_link,
        "remarks": req.remarks,
        "urgent": (req.urgent_reason or _("yes")) if req.urgent else "",
        "files": "; ".join(f"{f.original_name} ({f.size:,} B, SHA-256 {f.sha256})" for f in files),
        "submitted_at": local(req.submitted_at),
        "decision": _(DECISION[decision.action]) if decision else "",
        # A verbal approval names the approver who said yes (recorded as acting_for).
        "decided_by": await _name(decision.acting_for_id if verbal else decision.person_id)
        if decision
        else "",
        "how": _(HOW.get(decision.how, decision.how)) if decision else "",
        "acting_for": await _name(decision.acting_for_id) if decision and not verbal else "",
        "decided_at": local(req.decided_at),
        "reason": decision.reason if decision and decision.reason_code != "verbal" else "",
        "approval_hours": hours_between(req.submitted_at, req.decided_at),
        "published_by": await _name(published.actor_id) if published else "",
        "published_at": local(req.published_at),
        "publishing_hours": hours_between(req.decided_at, req.published_at),
        "published_url": req.published_url,
        "expired_at": local(req.expired_at),
        "removed_at": local(req.removed_at),
        "revision_of": previous.ref if previous else "",
    }


def headers() -> list[str]:
    return [_(header) for _key, header in COLUMNS]


def register_csv(rows: list[dict[str, Any]]) -> bytes:
    """The register as CSV, UTF-8 with a byte-order mark (Excel reads Thai right only with it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers())
    for row in rows:
        writer.writerow(["" if row[key] is None else row[key] for key, _header in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def register_xlsx(rows: list[dict[str, Any]], title: str) -> bytes:
    """The register as an Excel workbook: a title line, the headers, one row per request."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Register")
    sheet.append([title])
    sheet["A1"].font = Font(name="Sarabun", bold=True, size=14)
    sheet.append(headers())
    for cell in sheet[2]:
        cell.font = Font(name="Sarabun", bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([row[key] for key, _header in COLUMNS])
    sheet.freeze_panes = "B3"
    for index, (key, _header) in enumerate(COLUMNS, start=1):
        width = 40 if key in ("title", "summary", "files", "published_url") else 18
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def register_title(rt: Runtime, period: Period, fiscal_year: int | None) -> str:
    locale = current_locale()
    org = rt.org.organization
    agency = org.name_th if locale == "th" else org.name_en
    if fiscal_year is not None:
        return _(
            "Register of requests to publish on the website, {agency}, fiscal year {year}"
        ).format(agency=agency, year=fiscal_year)
    return _("Register of requests to publish on the website, {agency}, {period}").format(
        agency=agency, period=period.label(locale)
    )
