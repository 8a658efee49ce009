"""The completeness checklist per item: each ITA O-item and OIA sub-item, and what satisfies it.

An item is satisfied by a request published now, in one of its categories, recent enough for
its freshness rule, whose title or summary holds one of its keyword phrases (every word of
the phrase, in any case). The items come from `checklist.toml` (tables `ita.<year>.<item>`
and `oia."<section>"`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.runtime import Runtime
from models.enums import Status
from models.request import Request


@dataclass(frozen=True)
class Item:
    key: str  # "O11", "s.9(3)"
    name_th: str
    name_en: str
    categories: tuple[str, ...] = ()  # category keys; empty: any category
    freshness: str = "any"
    keywords: tuple[str, ...] = ()  # phrases; empty: anything in the categories

    def name(self, locale: str) -> str:
        return self.name_th if locale == "th" else self.name_en


@dataclass(frozen=True)
class Live:
    """A published request as the checklist reads it."""

    category: str
    text: str  # title and summary, case-folded
    day: date  # when it went online


def parse_item(where: str, key: str, data: Any, check_freshness: Callable[[str, str], str]) -> Item:
    """One item table; a wrong field raises ValueError naming `where.key.field`."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}.{key}: not a table")
    names = {field: data.get(field) for field in ("name_th", "name_en")}
    for field, value in names.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}.{key}.{field}: a name is needed")
    categories = data.get("category", ())
    categories = (categories,) if isinstance(categories, str) else tuple(categories)
    keywords = data.get("keywords", ())
    if isinstance(keywords, str) or not all(isinstance(k, str) and k.strip() for k in keywords):
        raise ValueError(f"{where}.{key}.keywords: a list of phrases")
    return Item(
        key=key,
        name_th=names["name_th"],
        name_en=names["name_en"],
        categories=categories,
        freshness=check_freshness(f"{where}.{key}", str(data.get("freshness", "any"))),
        keywords=tuple(keywords),
    )


async def live_requests(rt: Runtime) -> list[Live]:
    """Every request published now, with the day it went online."""
    rows = await Request.filter(org_id=rt.org_id, status=Status.PUBLISHED).values(
        "category__key", "title", "summary", "published_at", "publish_date"
    )
    live = []
    for row in rows:
        day = rt.today(row["published_at"]) if row["published_at"] else row["publish_date"]
        if day is None:
            continue
        text = f"{row['title'] or ''}\n{row['summary'] or ''}".casefold()
        live.append(Live(row["category__key"], text, day))
    return live


def mentions(text: str, phrase: str) -> bool:
    return all(word in text for word in phrase.casefold().split())


def satisfied(item: Item, live: Sequence[Live], since: date | None) -> bool:
    """Whether a published request answers the item (`since`: its freshness window's start)."""
    for found in live:
        if item.categories and found.category not in item.categories:
            continue
        if since is not None and found.day < since:
            continue
        if not item.keywords or any(mentions(found.text, k) for k in item.keywords):
            return True
    return False
