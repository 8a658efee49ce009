"""The paper trail in the chat: the request form behind [Download form], the yearly report.

[Download form] (owner, approver, webmasters, once decided) ──► a personal signed link to the PDF
/report [YEAR]  (webmasters, admins) ──► a link to the yearly report and this month's completeness
"""

from __future__ import annotations

from core.errors import Refusal
from core.events import Outgoing
from core.signing import document_link
from core.thaidate import fiscal_year
from handlers.base import Context
from handlers.common import token_request
from handlers.guards import require_role
from handlers.routing import Router
from locales import _
from models.directory import roles_of
from models.enums import Role, Status
from models.messaging import ButtonToken
from records.report import month_completeness

# Who besides the owner may take a request's form.
FORM_ROLES = {Role.APPROVER, Role.CHECKER, Role.WEBMASTER, Role.ADMIN}
UNDECIDED = (Status.DRAFT, Status.CHECKING, Status.PENDING)

router = Router("records")


@router.button("form")
async def download_form(ctx: Context, token: ButtonToken) -> None:
    """A personal link to the filled request form of a decided request."""
    assert ctx.person is not None
    req = await token_request(token)
    if req.owner_id != ctx.person.id and not (await roles_of(ctx.person.id)) & FORM_ROLES:
        raise Refusal(_("Only the owner, the approver and the webmasters can take this form."))
    if req.status in UNDECIDED:
        raise Refusal(
            _("The form of {ref} is ready once the request is decided.").format(ref=req.ref)
        )
    link = document_link(ctx.rt.public_url, ctx.rt.secret_key, "form", str(req.id), ctx.person.id)
    ctx.reply(
        Outgoing(
            text=_(
                "The request form of {ref} (PDF, for the file or to print): {link}\n"
                "The link is yours and works for 7 days."
            ).format(ref=req.ref, link=link),
            link=link,
        )
    )


@router.command("report", "รายงาน", "รายงานประจำปี")
async def report_command(ctx: Context, rest: str) -> None:
    """The yearly report of a fiscal year (this one by default), and this month's completeness."""
    assert ctx.person is not None
    await require_role(ctx, Role.WEBMASTER, Role.ADMIN)
    this_year = fiscal_year(ctx.rt.today(ctx.now))
    word = rest.strip().translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
    if word and not (word.isdigit() and len(word) == 4):
        ctx.reply(
            _("Type /report, or /report and a fiscal year such as {year}.").format(year=this_year)
        )
        return
    year = int(word) if word else this_year
    link = document_link(ctx.rt.public_url, ctx.rt.secret_key, "report", str(year), ctx.person.id)
    online, missing = await month_completeness(ctx.rt, ctx.now)
    lines = [
        _("The yearly report for fiscal year {year} (PDF): {link}").format(year=year, link=link),
        "",
        _("This month: {online} of {total} categories have something on the website.").format(
            online=len(online), total=len(online) + len(missing)
        ),
    ]
    if missing:
        lines.append(_("Nothing published: {names}").format(names=", ".join(missing)))
    ctx.reply(Outgoing(text="\n".join(lines), link=link))
