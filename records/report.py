"""The yearly report for the assessment (ITA; MOIT 1 item 2): what was asked, decided, published.

Counts by category and outcome, the median hours to a decision and to publication, whether
items came down when their period ended, how complete each category was month by month, and
the reasons for refusals; with charts in Sarabun and dates in the Buddhist era.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from core.runtime import Runtime
from core.thaidate import (
    EN_MONTHS_SHORT,
    THAI_MONTHS_SHORT,
    add_months,
    fiscal_year_range,
    format_date,
)
from locales import N_, _, current_locale
from models.enums import Status
from models.request import Category, Decision, Request
from records.register import Period

OUTCOMES = (
    ("published", N_("published"), "#2e7d32"),
    ("waiting", N_("waiting"), "#f9a825"),
    ("rejected", N_("not approved"), "#c62828"),
    ("withdrawn", N_("withdrawn"), "#9e9e9e"),
)
OUTCOME_OF = {
    Status.PUBLISHED: "published",
    Status.EXPIRED: "published",
    Status.REMOVED: "published",
    Status.PENDING: "waiting",
    Status.CHECKING: "waiting",
    Status.APPROVED: "waiting",
    Status.RETURNED: "waiting",
    Status.REJECTED: "rejected",
    Status.WITHDRAWN: "withdrawn",
}


@dataclass
class YearReport:
    """The figures of one fiscal year, already counted."""

    year: int
    period: Period
    made_on: date
    categories: list[str] = field(default_factory=list)
    by_category: dict[str, Counter] = field(default_factory=dict)
    total: int = 0
    approval_hours: float | None = None
    publishing_hours: float | None = None
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    months: list[date] = field(default_factory=list)
    coverage: dict[str, list[bool]] = field(default_factory=dict)  # online at each month's end
    reasons: Counter = field(default_factory=Counter)

    def outcome_total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.by_category.values())


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _online_at(req: Request, moment: datetime) -> bool:
    if req.published_at is None or req.published_at > moment:
        return False
    gone = req.removed_at or req.expired_at
    return gone is None or gone > moment


async def year_report(rt: Runtime, year: int, now: datetime) -> YearReport:
    """Count a fiscal year's requests: submitted in it, decided and published whenever."""
    locale = current_locale()
    start, end = fiscal_year_range(year)
    today = rt.today(now)
    report = YearReport(year, Period(start, end), today)
    categories = await Category.filter(org_id=rt.org_id, active=True).order_by("position")
    names = {c.id: c.name(locale) for c in categories}
    report.categories = [c.name(locale) for c in categories]
    report.by_category = {name: Counter() for name in report.categories}
    begin = datetime.combine(start, datetime.min.time(), rt.tz)
    finish = datetime.combine(end + timedelta(days=1), datetime.min.time(), rt.tz)
    submitted = await Request.filter(
        org_id=rt.org_id, submitted_at__gte=begin, submitted_at__lt=finish
    ).exclude(status=Status.DRAFT)
    approvals, publications = [], []
    for req in submitted:
        name = names.get(req.category_id, "-")
        report.by_category.setdefault(name, Counter())[OUTCOME_OF.get(req.status, "waiting")] += 1
        report.total += 1
        if req.decided_at and req.submitted_at and req.status not in (Status.REJECTED,):
            approvals.append((req.decided_at - req.submitted_at).total_seconds() / 3600)
        if req.published_at and req.decided_at:
            publications.append((req.published_at - req.decided_at).total_seconds() / 3600)
    report.approval_hours, report.publishing_hours = _median(approvals), _median(publications)
    await _expiry(rt, report, today)
    await _coverage(rt, report, names, end, today)
    ids = [r.id for r in submitted]
    for decision in await Decision.filter(request_id__in=ids, action__in=["reject", "send_back"]):
        report.reasons[decision.reason or decision.reason_code or "-"] += 1
    return report


async def _expiry(rt: Runtime, report: YearReport, today: date) -> None:
    """Items whose period ended in the year: taken down in time, late, or still online."""
    grace = timedelta(days=rt.org.reminders.takedown_chase_days)
    last = min(report.period.end, today - timedelta(days=1))
    ended = await Request.filter(
        org_id=rt.org_id,
        end_date__gte=report.period.start,
        end_date__lte=last,
        published_at__isnull=False,
    )
    for req in ended:
        if req.removed_at is None:
            report.overdue += 1
        elif rt.today(req.removed_at) <= req.end_date + grace:
            report.on_time += 1
        else:
            report.late += 1


async def _coverage(
    rt: Runtime, report: YearReport, names: dict[int, str], end: date, today: date
) -> None:
    """Per category and month: was anything of it online at the month's end (or today)?"""
    published = await Request.filter(org_id=rt.org_id, published_at__isnull=False)
    month = report.period.start
    while month <= end:
        report.months.append(month)
        month = add_months(month, 1)
    report.coverage = {name: [] for name in report.categories}
    for first in report.months:
        last_day = min(add_months(first, 1) - timedelta(days=1), today)
        if first > today:
            for row in report.coverage.values():
                row.append(False)
            continue
        moment = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), rt.tz)
        online = {names.get(r.category_id) for r in published if _online_at(r, moment)}
        for name, row in report.coverage.items():
            row.append(name in online)


def month_short(day: date, locale: str) -> str:
    if locale == "th":
        return f"{THAI_MONTHS_SHORT[day.month - 1]} {str(day.year + 543)[2:]}"
    return f"{EN_MONTHS_SHORT[day.month - 1]} {str(day.year)[2:]}"


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    from records.documents import FONT_DIR

    for weight in ("Regular", "Bold"):
        font_manager.fontManager.addfont(str(FONT_DIR / f"Sarabun-{weight}.ttf"))
    plt.rcParams.update({"font.family": "Sarabun", "font.size": 10, "svg.hashsalt": "webpub"})
    return plt, *plt.subplots(figsize=(width, height), dpi=150)


def _png(plt, fig) -> bytes:
    out = io.BytesIO()
    fig.tight_layout()
    fig.savefig(out, format="png", metadata={"Software": None})
    plt.close(fig)
    return out.getvalue()


def category_chart(report: YearReport) -> bytes:
    """Requests per category, stacked by outcome."""
    plt, fig, ax = _figure(7, 0.35 * max(4, len(report.by_category)) + 1)
    names = list(report.by_category)[::-1]
    left = [0] * len(names)
    for key, label, colour in OUTCOMES:
        values = [report.by_category[n][key] for n in names]
        ax.barh(names, values, left=left, color=colour, label=_(label))
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_title(_("Requests by category and outcome"))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower right", fontsize=8)
    return _png(plt, fig)


def coverage_chart(report: YearReport) -> bytes:
    """Category by month: green when something of the category was online at the month's end."""
    plt, fig, ax = _figure(7, 0.35 * max(4, len(report.coverage)) + 1.2)
    from matplotlib.colors import ListedColormap

    names = list(report.coverage)
    grid = [[1 if on else 0 for on in report.coverage[n]] for n in names]
    ax.imshow(grid, cmap=ListedColormap(["#eeeeee", "#66bb6a"]), aspect="auto", vmin=0, vmax=1)
    locale = current_locale()
    ax.set_xticks(range(len(report.months)), [month_short(m, locale) for m in report.months])
    ax.set_yticks(range(len(names)), names)
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right", rotation_mode="anchor", fontsize=8)
    ax.set_title(_("Something online at each month's end, by category"))
    return _png(plt, fig)


def render_report(rt: Runtime, report: YearReport) -> bytes:
    """The yearly report as an A4 PDF."""
    locale = current_locale()
    org = rt.org.organization
    agency = org.name_th if locale == "th" else org.name_en
    title = _("Yearly report on publishing information on the website, fiscal year {year}").format(
        year=report.year
    )
    footer = _("{agency} · {title} · made {date}").format(
        agency=agency, title=title, date=format_date(report.made_on, locale)
    )
    from records.documents import Document  # fpdf and its fonts load only for a document

    pdf = Document(title, footer=lambda: footer)
    pdf.add_page()
    pdf.heading(agency, size=16)
    pdf.heading(title, size=16)
    pdf.line_of_text(_("Period: {period}").format(period=report.period.label(locale)))
    pdf.section(_("Requests"))
    pdf.field(_("Requests submitted"), str(report.total), label_width=70)
    for key, label, _colour in OUTCOMES:
        pdf.field(_(label), str(report.outcome_total(key)), label_width=70)
    hours = _("{n} hours")
    pdf.field(
        _("Median time to a decision"),
        hours.format(n=report.approval_hours) if report.approval_hours is not None else "-",
        label_width=70,
    )
    pdf.field(
        _("Median time from approval to publication"),
        hours.format(n=report.publishing_hours) if report.publishing_hours is not None else "-",
        label_width=70,
    )
    pdf.image(io.BytesIO(category_chart(report)), w=pdf.width)
    pdf.section(_("Taking items down when their period ends"))
    pdf.field(_("Taken down on time"), str(report.on_time), label_width=70)
    pdf.field(_("Taken down late"), str(report.late), label_width=70)
    pdf.field(_("Still online past the end date"), str(report.overdue), label_width=70)
    pdf.section(_("Completeness by category over the year"))
    pdf.image(io.BytesIO(coverage_chart(report)), w=pdf.width)
    pdf.section(_("Reasons for not approving"))
    if not report.reasons:
        pdf.line_of_text(_("No request was refused."))
    for reason, count in report.reasons.most_common():
        pdf.field(reason, str(count), label_width=120)
    return bytes(pdf.output())


async def report_pdf(rt: Runtime, year: int, now: datetime) -> bytes:
    return render_report(rt, await year_report(rt, year, now))


async def month_completeness(rt: Runtime, now: datetime) -> tuple[list[str], list[str]]:
    """This month so far: the categories with something online now, and those with nothing."""
    locale = current_locale()
    online = {
        r.category_id for r in await Request.filter(org_id=rt.org_id, status=Status.PUBLISHED)
    }
    with_items, without = [], []
    for category in await Category.filter(org_id=rt.org_id, active=True).order_by("position"):
        (with_items if category.id in online else without).append(category.name(locale))
    return with_items, without
