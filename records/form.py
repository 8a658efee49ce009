"""The request form (แบบฟอร์มการขอเผยแพร่ข้อมูลผ่านเว็บไซต์ของหน่วยงาน), filled from the record.

Announcement 2.2.1 asks for each request "with the request form, in writing", and the yearly
assessment (ITA; MOIT 1 for health units) asks to see the filled form of each item. Everything
the paper form holds is already in the record: who asked, what, who approved it and how, who
put it online and where; the footer names the audit event that seals it, so a printed form can
be checked against the system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core.runtime import Runtime
from core.thaidate import format_date, format_datetime
from locales import N_, _, current_locale
from models.audit import AuditEvent, append_event, settle_appends
from models.people import Person
from models.request import Attachment, Category, Decision, Request

if TYPE_CHECKING:
    from records.documents import Document

MEANS = {"phone": N_("By phone"), "in_person": N_("In person")}  # handlers.verbal's choices


@dataclass(frozen=True)
class Signature:
    """One of the form's three signature blocks: who, in what position, when, how."""

    heading: str
    name: str
    position: str
    when: str
    how: str = ""
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RequestForm:
    """Everything the form prints, already in words of the locale it was made in."""

    agency: str
    ref: str
    date: str
    fields: tuple[tuple[str, str], ...]
    files: tuple[tuple[str, str, str, str], ...]
    signatures: tuple[Signature, ...]
    footer: str


def _when(rt: Runtime, moment: datetime | None) -> str:
    return format_datetime(moment.astimezone(rt.tz), current_locale()) if moment else "-"


def _size(size: int) -> str:
    return _("{n} bytes").format(n=f"{size:,}") if size < 1024 else f"{size / 1024:,.1f} KB"


async def _person(person_id: int | None) -> Person | None:
    return await Person.get_or_none(id=person_id) if person_id else None


async def _decided_at(rt: Runtime, decision: Decision) -> datetime | None:
    """When a decision was made: the time its audit event records (the row keeps insert time)."""
    event = (
        await AuditEvent.filter(
            org_id=rt.org_id, request_id=decision.request_id, kind=f"request.{decision.action}"
        )
        .order_by("-seq")
        .first()
    )
    return event.at if event else decision.created_at


async def _approver_block(rt: Runtime, req: Request) -> Signature:
    heading = _("Approved and certified by")
    decision = (
        await Decision.filter(
            request_id=req.id, action__in=["approve", "verbal_approve", "reject", "send_back"]
        )
        .order_by("-id")
        .first()
    )
    if decision is None:
        return Signature(heading, "-", "-", "-", _("Not decided yet"))
    if decision.action == "verbal_approve":
        return await _verbal_block(rt, heading, decision)
    approver = await _person(decision.person_id)
    acting_for = await _person(decision.acting_for_id)
    position = approver.position if approver and approver.position else "-"
    if acting_for is not None:
        position = _("{position}, acting for {name}").format(
            position=position, name=acting_for.name
        )
    if decision.action == "approve":
        how = _("Approved with the Approve button in the chat")
    else:
        how = _("Not approved: {reason}").format(reason=decision.reason or decision.reason_code)
    return Signature(
        heading,
        approver.name if approver else "-",
        position,
        _when(rt, await _decided_at(rt, decision)),
        how,
    )


async def _verbal_block(rt: Runtime, heading: str, decision: Decision) -> Signature:
    """A verbal approval (2.2.1): who said yes, how and when, who recorded it, its confirmation."""
    approver = await _person(decision.acting_for_id)
    recorder = await _person(decision.person_id)
    _said_by, _sep, means = decision.verbal_by.rpartition(", ")
    how = _("Approved verbally ({means}); recorded by {recorder} at {at}").format(
        means=_(MEANS[means]) if means in MEANS else means or "-",
        recorder=recorder.name if recorder else "-",
        at=_when(rt, await _decided_at(rt, decision)),
    )
    confirm = (
        await Decision.filter(request_id=decision.request_id, action__in=["confirm", "revoke"])
        .order_by("-id")
        .first()
    )
    if confirm is None:
        settled = _("Not confirmed yet")
    elif confirm.action == "confirm":
        settled = _("Confirmed in the chat at {at}").format(
            at=_when(rt, await _decided_at(rt, confirm))
        )
    else:
        settled = _("Revoked in the chat at {at}").format(
            at=_when(rt, await _decided_at(rt, confirm))
        )
    name = approver.name if approver else decision.verbal_by or "-"
    position = approver.position if approver and approver.position else "-"
    return Signature(
        heading,
        name,
        position,
        _when(rt, decision.verbal_at),
        how,
        extra=((_("Confirmation"), settled),),
    )


async def _publisher_block(rt: Runtime, req: Request) -> Signature:
    heading = _("Published by")
    event = (
        await AuditEvent.filter(org_id=rt.org_id, request_id=req.id, kind="request.publish")
        .order_by("-seq")
        .first()
    )
    webmaster = await _person(event.actor_id if event else None)
    if req.published_at is None or webmaster is None:
        return Signature(heading, "-", "-", "-", _("Not published yet"))
    return Signature(
        heading,
        webmaster.name,
        webmaster.position or "-",
        _when(rt, req.published_at),
        extra=((_("Page"), req.published_url or "-"),),
    )


async def _fields(req: Request, locale: str) -> tuple[tuple[str, str], ...]:
    category = await Category.get_or_none(id=req.category_id) if req.category_id else None
    period = "-"
    if req.data_from or req.data_until:
        period = f"{format_date(req.data_from, locale)} – {format_date(req.data_until, locale)}"
    fields = [
        (_("Title"), req.title),
        (_("Details (summary)"), req.summary or "-"),
        (_("Category"), category.name(locale) if category else "-"),
        (_("Source or data owner"), req.source or "-"),
        (_("Period the data covers"), period),
        (_("Publish from"), format_date(req.publish_date, locale)),
        (
            _("Publish until"),
            format_date(req.end_date, locale) if req.end_date else _("no end date"),
        ),
        (_("External link"), req.external_link or "-"),
        (_("Remarks"), req.remarks or "-"),
    ]
    if req.urgent:
        fields.append((_("Urgent"), req.urgent_reason or _("yes")))
    return tuple(fields)


async def request_form(rt: Runtime, req: Request, printed_at: datetime) -> RequestForm:
    """Gather the form of one request from its record, in the current locale."""
    await settle_appends()  # this transaction's own appends are read too
    locale = current_locale()
    owner = await Person.get(id=req.owner_id)
    files = await Attachment.filter(request_id=req.id).order_by("position", "id")
    owner_block = Signature(
        _("Responsible for the information"),
        owner.name,
        owner.position or "-",
        _when(rt, req.submitted_at),
        extra=((_("Unit"), req.owner_unit or owner.unit or "-"),),
    )
    last = await AuditEvent.filter(org_id=rt.org_id, request_id=req.id).order_by("-seq").first()
    seal = (
        _("audit event {seq}, SHA-256 {hash}").format(seq=last.seq, hash=last.hash)
        if last
        else _("no audit event")
    )
    org = rt.org.organization
    return RequestForm(
        agency=org.name_th if locale == "th" else org.name_en,
        ref=req.ref or "-",
        date=format_date(rt.today(req.submitted_at), locale) if req.submitted_at else "-",
        fields=await _fields(req, locale),
        files=tuple(
            (f.original_name, f".{f.extension} ({f.mime_type})", _size(f.size), f.sha256)
            for f in files
        ),
        signatures=(owner_block, await _approver_block(rt, req), await _publisher_block(rt, req)),
        footer=_("{ref} · printed {printed} · {seal}").format(
            ref=req.ref or "-", printed=_when(rt, printed_at), seal=seal
        ),
    )


def render_form(form: RequestForm) -> bytes:
    """The form as an A4 PDF."""
    title = _("Request to publish information on the agency website")
    from records.documents import SMALL, Document  # fpdf and its fonts load only for a document

    pdf = Document(title, footer=lambda: form.footer)
    pdf.add_page()
    pdf.heading(form.agency, size=16)
    pdf.heading(title)
    pdf.ln(1)
    pdf.cell(pdf.width / 2, 7, _("No. {ref}").format(ref=form.ref))
    pdf.cell(pdf.width / 2, 7, _("Date {date}").format(date=form.date), align="R")
    pdf.ln(9)
    for label, value in form.fields:
        pdf.field(label, value, label_width=52)
    pdf.section(_("Files"))
    if not form.files:
        pdf.field("-", _("no file"))
    for number, (name, kind, size, sha) in enumerate(form.files, start=1):
        pdf.line_of_text(f"{number}. {name}", style="B")
        pdf.line_of_text(f"{kind} · {size}", indent=6)
        pdf.line_of_text(f"SHA-256 {sha}", size=SMALL + 1, indent=6)
    for block in form.signatures:
        _signature(pdf, block)
    return bytes(pdf.output())


def _signature(pdf: Document, block: Signature) -> None:
    """A signature block as the paper form has it: the heading, then name, position and date."""
    rows = [
        (_("Name"), block.name),
        (_("Position"), block.position),
        (_("Date"), block.when),
        *([(_("How"), block.how)] if block.how else []),
        *block.extra,
    ]
    if pdf.will_page_break(14 + 7 * len(rows)):
        pdf.add_page()
    pdf.ln(3)
    top = pdf.get_y()
    pdf.section(block.heading)
    for label, value in rows:
        pdf.field(label, value, label_width=36)
    pdf.set_draw_color(160, 160, 160)
    pdf.rect(pdf.l_margin - 3, top, pdf.width + 6, pdf.get_y() - top + 2)
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(2)


async def form_pdf(
    rt: Runtime, ref: str, now: datetime, *, actor_id: int | None = None, via: str = "cli"
) -> tuple[Request, bytes] | None:
    """The filled form of a request as a PDF, its making recorded (who, when, how); None if unknown."""
    req = await Request.get_or_none(org_id=rt.org_id, ref=ref.strip().upper())
    if req is None:
        return None
    pdf = render_form(await request_form(rt, req, now))
    await record_download(rt, req.id, "form", now, actor_id=actor_id, via=via)
    return req, pdf


async def record_download(
    rt: Runtime,
    request_id: int,
    what: str,
    now: datetime,
    *,
    actor_id: int | None = None,
    via: str = "link",
    attachment_id: int | None = None,
) -> None:
    """A file or a form left the system: who took it, when and how, in the audit chain."""
    data: dict[str, object] = {"via": via}
    if attachment_id is not None:
        data["attachment"] = attachment_id
    await append_event(
        rt.org_id, f"download.{what}", actor_id=actor_id, request_id=request_id, at=now, data=data
    )
