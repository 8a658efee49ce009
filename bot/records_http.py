"""GET /forms/{request_id} and GET /reports/{year}: documents behind signed, personal links.

The link names the person it was given to; each download is recorded in the audit chain.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from aiohttp import web

from bot.keys import RUNTIME
from core.signing import verify_document
from locales import using_locale
from models.audit import append_event
from models.people import Person
from models.request import Request
from records.form import record_download, render_form, request_form
from records.report import report_pdf

FORBIDDEN = "This link is not valid or has expired."


def _person_of(request: web.Request, kind: str, ident: str) -> int:
    rt = request.app[RUNTIME]
    query = request.query
    person_id = verify_document(
        rt.secret_key, kind, ident, query.get("p", ""), query.get("e", ""), query.get("s", "")
    )
    if person_id is None:
        raise web.HTTPForbidden(text=FORBIDDEN)
    return person_id


async def _locale_of(request: web.Request, person_id: int) -> str:
    person = await Person.get_or_none(id=person_id)
    return (person.locale if person and person.locale else None) or request.app[
        RUNTIME
    ].default_locale


def _pdf(data: bytes, name: str) -> web.Response:
    return web.Response(
        body=data,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


async def form(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    ident = request.match_info["request_id"]
    person_id = _person_of(request, "form", ident)
    req = await Request.get_or_none(id=int(ident), org_id=rt.org_id)
    if req is None:
        raise web.HTTPNotFound(text="Request not found.")
    now = datetime.now(UTC)
    with using_locale(await _locale_of(request, person_id)):
        pdf = render_form(await request_form(rt, req, now))
    await record_download(rt, req.id, "form", now, actor_id=person_id, via="link")
    return _pdf(pdf, f"{req.ref}.pdf")


async def report(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    ident = request.match_info["year"]
    person_id = _person_of(request, "report", ident)
    now = datetime.now(UTC)
    with using_locale(await _locale_of(request, person_id)):
        pdf = await report_pdf(rt, int(ident), now)
    await append_event(
        rt.org_id, "download.report", actor_id=person_id, at=now, data={"year": int(ident)}
    )
    return _pdf(pdf, f"report-{ident}.pdf")
