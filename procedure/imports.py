"""Bringing what was online before webpub under its watch: `webpub import items FILE`.

Every row is checked first and every problem said, row by row, in the reader's language;
a dry run imports nothing, an import brings in the rows without problems (in one
transaction) and leaves the others to be corrected and imported again. Each imported
item's page is then queued for one look (procedure.website).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from core.runtime import Runtime
from core.thaidate import DateInputError, add_months, be_year, parse_date
from intake.table import Row
from locales import _
from models.audit import append_event
from models.db import atomic
from models.enums import Status
from models.people import Person
from models.request import Category, PageCheck, Request
from models.workflow import allocate_reference
from procedure.website import IMPORT, WATCHED
from website.fetch import on_website

COLUMNS = ("title", "category", "url", "published_date", "end_date", "owner")
REQUIRED = ("title", "category", "url", "published_date", "owner")
TITLE_MAX = 500
URL_MAX = 1000


@dataclass(frozen=True)
class Item:
    row: int
    title: str
    category_id: int
    url: str
    published: date
    end: date | None
    owner: Person


@dataclass
class Plan:
    items: list[Item] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per problem, with its row


async def plan_import(rt: Runtime, rows: list[Row], today: date) -> Plan:
    """Every row read and checked: the items to import and, row by row, what is wrong."""
    plan = Plan()
    header, body = rows[0], rows[1:]
    missing = [c for c in COLUMNS if c not in header.values]
    if missing:
        plan.problems.append(
            _("The header row lacks the columns: {columns}.").format(columns=", ".join(missing))
        )
        return plan
    categories = await _categories(rt)
    owners = await _owners(rt)
    seen = set(
        await Request.filter(org_id=rt.org_id, status__in=list(WATCHED)).values_list(
            "published_url", flat=True
        )
    )
    in_file: dict[str, int] = {}
    for row in body:
        problems: list[str] = []
        item = _item(rt, row, today, categories, owners, seen, in_file, problems)
        if problems:
            plan.problems += [
                _("row {row}: {problem}").format(row=row.number, problem=p) for p in problems
            ]
        elif item is not None:
            plan.items.append(item)
    if not body:
        plan.problems.append(_("The file has no rows under the header."))
    return plan


def _item(rt, row, today, categories, owners, seen, in_file, problems) -> Item | None:
    text = {c: row.text(c) for c in COLUMNS}
    for column in REQUIRED:
        if not text[column]:
            problems.append(_("{column} is empty").format(column=column))
    title, url = text["title"], text["url"]
    if len(title) > TITLE_MAX:
        problems.append(_("the title is longer than {n} characters").format(n=TITLE_MAX))
    category_id = categories.get(text["category"].casefold()) if text["category"] else None
    if text["category"] and category_id is None:
        problems.append(
            _("category “{value}” is not a category key or name of org.toml").format(
                value=text["category"]
            )
        )
    if url:
        host = rt.org.organization.website_host
        if len(url) > URL_MAX or not on_website(url, rt.org.organization.website):
            problems.append(
                _("url “{value}” is not on the website {host}").format(value=url, host=host)
            )
        elif url in seen:
            problems.append(_("url “{value}” is already under watch").format(value=url))
        elif url in in_file:
            problems.append(
                _("url “{value}” is also in row {other}").format(value=url, other=in_file[url])
            )
        else:
            in_file[url] = row.number
    published = _date(row, "published_date", today, problems)
    end = _date(row, "end_date", today, problems)
    if published and end and end < published:
        problems.append(_("end_date is before published_date"))
    owner = owners.get(text["owner"].casefold()) if text["owner"] else None
    if text["owner"] and owner is None:
        problems.append(
            _("owner “{value}” is neither an enrolled person nor a unit with one").format(
                value=text["owner"]
            )
        )
    if problems or category_id is None or published is None or owner is None:
        return None
    return Item(row.number, title, category_id, url, published, end, owner)


def _date(row: Row, column: str, today: date, problems: list[str]) -> date | None:
    value = row.values.get(column)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    written = row.text(column)
    if not written:
        return None
    try:
        return parse_date(written, today)
    except DateInputError:
        problems.append(_("{column} “{value}” is not a date").format(column=column, value=written))
        return None


async def _categories(rt: Runtime) -> dict[str, int]:
    """Each category by its key, Thai name and English name (case-folded)."""
    found: dict[str, int] = {}
    for cat in await Category.filter(org_id=rt.org_id, active=True):
        for name in (cat.key, cat.name_th, cat.name_en):
            found.setdefault(name.casefold(), cat.id)
    return found


async def _owners(rt: Runtime) -> dict[str, Person]:
    """Each person by name; each unit (code, Thai or English name) by its first enrolled person."""
    people = await Person.filter(org_id=rt.org_id, active=True).order_by("id")
    found: dict[str, Person] = {}
    for p in people:
        found.setdefault(" ".join(p.name.split()).casefold(), p)
    units = {p.unit.casefold(): p for p in reversed(people) if p.unit}
    for unit in rt.org.units:
        first = next(
            (
                units[n.casefold()]
                for n in (unit.name_th, unit.name_en, unit.code)
                if n.casefold() in units
            ),
            None,
        )
        if first is not None:
            for name in (unit.code, unit.name_th, unit.name_en):
                found.setdefault(name.casefold(), first)
    for name, p in units.items():
        found.setdefault(name, p)
    return found


async def import_items(
    rt: Runtime, plan: Plan, now: datetime, actor_id: int | None = None
) -> list[Request]:
    """Create the plan's good items as published requests, each queued for one look at its page."""
    made: list[Request] = []
    async with atomic():
        for item in plan.items:
            published_at = datetime.combine(item.published, time(9, 0), tzinfo=rt.tz)
            req = await Request.create(
                org_id=rt.org_id,
                ref=await allocate_reference(rt.org_id, be_year(item.published)),
                status=Status.PUBLISHED,
                owner_id=item.owner.id,
                owner_unit=item.owner.unit,
                category_id=item.category_id,
                title=item.title,
                source=item.owner.unit,
                publish_date=item.published,
                end_date=item.end,
                certified=True,
                published_url=item.url,
                published_at=published_at,
                submitted_at=published_at,
                review_due=None
                if item.end
                else add_months(max(item.published, rt.today(now)), rt.org.reminders.review_months),
                imported=True,
            )
            made.append(req)
        await PageCheck.bulk_create(
            [
                PageCheck(request_id=r.id, kind=IMPORT, url=r.published_url, due_at=now)
                for r in made
            ],
            batch_size=200,
        )
        await append_event(
            rt.org_id,
            "request.import",
            actor_id=actor_id,
            at=now,
            data={"count": len(made), "refs": [made[0].ref, made[-1].ref] if made else []},
        )
    return made
