"""The monthly completeness report for webmasters (announcement 3.3).

Per category of the org list: is anything published now, and is the newest item recent
enough for the category's freshness rule? Per checklist item (each ITA O-item of the fiscal
year's numbering, each OIA s.7/s.9 sub-item): does a published request satisfy it? The rules
come from the shipped `checklist.toml`, which an organization extends with its own file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from core.events import Outgoing
from core.runtime import Runtime
from core.thaidate import THAI_MONTHS_FULL, add_months, be_year, format_date
from locales import _, ngettext
from models.enums import Status
from models.request import Category, Reminder, Request
from scheduler.base import (
    Batches,
    Due,
    Recipient,
    day_start,
    is_working_day,
    send_batches,
    tag,
    webmaster_audience,
)
from scheduler.checklist_items import Item, live_requests, parse_item, satisfied
from scheduler.wording import LISTED_MAX, bullet_list, join_parts, section

REPORT = "completeness"
SHIPPED = Path(__file__).resolve().parent / "checklist.toml"
ORG_FILE = "checklist.toml"  # in the data directory: the organization's additions
FRESHNESS = re.compile(r"^(any|fiscal-year|months:[1-9]\d*|days:[1-9]\d*)$")
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class ChecklistError(ValueError):
    """The checklist file is wrong; the message names the category and field."""


@dataclass(frozen=True)
class Rule:
    announcement: str = ""
    oia: tuple[str, ...] = ()
    standard: str = ""
    freshness: str = "any"
    ita: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (fiscal year B.E., items), ascending


@dataclass(frozen=True)
class Checklist:
    standard: str
    rules: dict[str, Rule]
    ita: tuple[tuple[int, tuple[Item, ...]], ...] = ()  # (numbering's fiscal year, items)
    oia: tuple[Item, ...] = ()

    def rule(self, key: str) -> Rule:
        return self.rules.get(key, Rule())

    def items(self, year: int) -> tuple[int | None, tuple[Item, ...]]:
        """The ITA items of a fiscal year's numbering (else the nearest earlier year's), and
        the OIA sub-items; with the year whose numbering is used."""
        used: int | None = None
        ita: tuple[Item, ...] = ()
        for listed, items in self.ita:
            if listed <= year:
                used, ita = listed, items
        return used, ita + self.oia


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _freshness(where: str, freshness: str) -> str:
    if not FRESHNESS.match(freshness):
        raise ChecklistError(
            f"{where}.freshness: {freshness!r} is not any, fiscal-year, months:N or days:N"
        )
    return freshness


def _items(where: str, table: Any) -> tuple[Item, ...]:
    if not isinstance(table, dict):
        raise ChecklistError(f"{where}: not a table of items")
    try:
        return tuple(parse_item(where, k, v, _freshness) for k, v in table.items())
    except ValueError as exc:
        raise ChecklistError(str(exc)) from None


def _ita_years(table: Any) -> tuple[tuple[int, tuple[Item, ...]], ...]:
    if not isinstance(table, dict):
        raise ChecklistError("ita: tables per fiscal year, such as [ita.2566.O1]")
    years = []
    for year, items in table.items():
        if not str(year).isdigit():
            raise ChecklistError(f"ita.{year}: keys are fiscal years such as 2566")
        years.append((int(year), _items(f"ita.{year}", items)))
    return tuple(sorted(years))


def _rule(key: str, data: dict[str, Any]) -> Rule:
    freshness = _freshness(f"categories.{key}", str(data.get("freshness", "any")))
    try:
        ita = tuple(sorted((int(y), tuple(items)) for y, items in data.get("ita", {}).items()))
    except (TypeError, ValueError):
        raise ChecklistError(f"categories.{key}.ita: keys are fiscal years such as 2569") from None
    return Rule(
        announcement=str(data.get("announcement", "")),
        oia=tuple(data.get("oia", ())),
        standard=str(data.get("standard", "")),
        freshness=freshness,
        ita=ita,
    )


def load_checklist(org_file: Path | None = None) -> Checklist:
    """The shipped checklist with the organization's file (if it exists) merged over it."""
    data = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    if org_file is not None and org_file.exists():
        try:
            extra = tomllib.loads(org_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ChecklistError(f"{org_file}: not valid TOML: {exc}") from None
        data = _merge(data, extra)
    categories = data.get("categories", {})
    return Checklist(
        standard=str(data.get("standard", "")),
        rules={key: _rule(key, value) for key, value in categories.items()},
        ita=_ita_years(data.get("ita", {})),
        oia=_items("oia", data.get("oia", {})),
    )


def fiscal_year(day: date) -> int:
    """The Thai fiscal year (B.E.) of a day: it starts on 1 October."""
    return be_year(day) + (1 if day.month >= 10 else 0)


def fiscal_year_start(year_be: int) -> date:
    return date(year_be - 543 - 1, 10, 1)


def window_start(rule: Rule | Item, today: date) -> date | None:
    """The oldest publication date that still counts as fresh, None when any will do."""
    if rule.freshness == "fiscal-year":
        return fiscal_year_start(fiscal_year(today))
    kind, _sep, count = rule.freshness.partition(":")
    if kind == "months":
        return add_months(today, -int(count))
    if kind == "days":
        return today - timedelta(days=int(count))
    return None


def ita_items(rule: Rule, year: int) -> tuple[int | None, tuple[str, ...]]:
    """The ITA items of a fiscal year: its own list, else the nearest earlier year's."""
    found: tuple[int | None, tuple[str, ...]] = (None, ())
    for listed, items in rule.ita:
        if listed <= year:
            found = (listed, items)
    return found


@dataclass(frozen=True)
class Row:
    category: Category
    rule: Rule
    published: int
    newest: date | None
    since: date | None  # the freshness window's start

    @property
    def state(self) -> str:
        if self.published == 0:
            return "missing"
        if self.since is not None and (self.newest is None or self.newest < self.since):
            return "stale"
        return "ok"


async def completeness_rows(rt: Runtime, checklist: Checklist, today: date) -> list[Row]:
    """One row per active category of the organization, in the org file's order."""
    rows = []
    for category in await Category.filter(org_id=rt.org_id, active=True).order_by("position"):
        live = Request.filter(org_id=rt.org_id, category_id=category.id, status=Status.PUBLISHED)
        newest_row = await live.order_by("-published_at").first()
        newest = None
        if newest_row is not None:
            newest = (
                rt.today(newest_row.published_at)
                if newest_row.published_at
                else newest_row.publish_date
            )
        rule = checklist.rule(category.key)
        rows.append(Row(category, rule, await live.count(), newest, window_start(rule, today)))
    return rows


async def missing_items(
    rt: Runtime, checklist: Checklist, today: date
) -> tuple[int | None, list[Item]]:
    """The checklist items no published request satisfies, in the checklist's order."""
    used, items = checklist.items(fiscal_year(today))
    live = await live_requests(rt)
    return used, [item for item in items if not satisfied(item, live, window_start(item, today))]


def first_working_day(rt: Runtime, today: date) -> date:
    day = today.replace(day=1)
    for _offset in range(31):
        if day.month != today.month:
            break
        if is_working_day(rt, day):
            return day
        day += timedelta(days=1)
    return today.replace(day=1)


async def completeness_report(rt: Runtime, now: datetime) -> int:
    """On the month's first working morning, send each webmaster the completeness report."""
    today = rt.today(now)
    if now < day_start(rt, first_working_day(rt, today)):
        return 0
    webmasters = await webmaster_audience(rt)
    keys = {tag(who): f"{today:%Y-%m}:{tag(who)}" for who in webmasters}
    done = await Reminder.filter(kind=REPORT, request_id=None, key__in=list(keys.values())).count()
    if done == len(keys):
        return 0  # this month's report is out (or there is nobody to send it to)
    checklist = load_checklist(rt.data_dir / ORG_FILE)
    rows = await completeness_rows(rt, checklist, today)
    unmet = await missing_items(rt, checklist, today)
    batches = Batches()
    for who in webmasters:
        batches.add(who, Due(None, keys[tag(who)]))

    async def render(person: Recipient, items: list[Due], locale: str) -> Outgoing:
        return report_message(checklist, rows, today, locale, unmet)

    return await send_batches(rt, REPORT, batches, render)


def month_label(day: date, locale: str) -> str:
    if locale == "th":
        return f"{THAI_MONTHS_FULL[day.month - 1]} {be_year(day)}"
    return f"{EN_MONTHS[day.month - 1]} {day.year}"


def _serves(row: Row, year: int) -> str:
    """`announcement 1.2 · OIA s.7(4), s.9(2) · ITA O6`."""
    parts = (
        [_("announcement {item}").format(item=row.rule.announcement)]
        if row.rule.announcement
        else []
    )
    if row.rule.oia:
        parts.append(_("OIA {sections}").format(sections=", ".join(row.rule.oia)))
    items = ita_items(row.rule, year)[1]
    if items:
        parts.append(_("ITA {items}").format(items=", ".join(items)))
    return " · ".join(parts)


def _needs(row: Row, locale: str) -> str:
    kind, _sep, count = row.rule.freshness.partition(":")
    if kind == "fiscal-year":
        return _("one from this fiscal year (since {date})").format(
            date=format_date(row.since, locale)
        )
    if kind == "months":
        return ngettext(
            "one from the last {n} month", "one from the last {n} months", int(count)
        ).format(n=int(count))
    return ngettext("one from the last {n} day", "one from the last {n} days", int(count)).format(
        n=int(count)
    )


def _item_line(item: Item, rows: list[Row], today: date, locale: str) -> str:
    """`• O11 Annual operating and spending plan: in General information, this fiscal year`."""
    names = {row.category.key: row.category.name(locale) for row in rows}
    where = [names.get(key, key) for key in item.categories]
    parts = [_("in {categories}").format(categories=_(" or ").join(where))] if where else []
    kind, _sep, count = item.freshness.partition(":")
    if kind == "fiscal-year":
        parts.append(_("this fiscal year"))
    elif kind == "months":
        n = int(count)
        parts.append(ngettext("within {n} month", "within {n} months", n).format(n=n))
    elif kind == "days":
        n = int(count)
        parts.append(ngettext("within {n} day", "within {n} days", n).format(n=n))
    if item.keywords:
        quoted = _(" or ").join(f"“{k}”" for k in item.keywords[:2])
        parts.append(_("titled {words}").format(words=quoted))
    needs = ", ".join(parts)
    return f"• {item.key} {item.name(locale)}" + (f": {needs}" if needs else "")


def _items_section(missing: list[Item], rows: list[Row], today: date, locale: str) -> str:
    """The missing items, the first ones in full and the rest by their numbers."""
    if not missing:
        return ""
    lines = [_item_line(item, rows, today, locale) for item in missing[:LISTED_MAX]]
    rest = missing[LISTED_MAX:]
    if rest:
        lines.append(
            ngettext("…and {n} more: {items}", "…and {n} more: {items}", len(rest)).format(
                n=len(rest), items=", ".join(item.key for item in rest)
            )
        )
    heading = _("ITA and OIA items with nothing published")
    return f"{heading} ({len(missing)}):\n" + "\n".join(lines)


def report_message(
    checklist: Checklist,
    rows: list[Row],
    today: date,
    locale: str,
    unmet: tuple[int | None, list[Item]] = (None, []),
) -> Outgoing:
    """The report in the current locale: what is missing, what is old, what is complete."""
    year = fiscal_year(today)
    missing, stale, complete = [], [], []
    for row in rows:
        name = row.category.name(locale)
        serves = _serves(row, year)
        if row.state == "missing":
            missing.append(f"• {name}" + (f" ({serves})" if serves else ""))
        elif row.state == "stale":
            stale.append(
                "• "
                + _("{name}: newest from {date}; needs {needed}").format(
                    name=name, date=format_date(row.newest, locale), needed=_needs(row, locale)
                )
            )
        else:
            complete.append(name)
    heading = _("Website completeness, {month} (fiscal year {year})").format(
        month=month_label(today, locale), year=year
    )
    used = {ita_items(r.rule, year)[0] for r in rows} | {unmet[0]}
    used -= {None}
    footer = [
        _("Checked against the category checklist: {standard}, OIA s.7 and s.9.").format(
            standard=checklist.standard
        )
    ]
    if used and max(used) < year:
        footer.append(
            _(
                "ITA items are numbered as in fiscal year {used}: check the NACC manual of {year}."
            ).format(used=max(used), year=year)
        )
    done_label = _("Complete")
    return Outgoing(
        text=join_parts(
            heading,
            section(_("Nothing published"), missing),
            section(_("Nothing recent enough"), stale),
            f"{done_label} ({len(complete)}/{len(rows)}): " + ", ".join(complete)
            if complete
            else "",
            _items_section(unmet[1], rows, today, locale),
            bullet_list(footer),
        )
    )
