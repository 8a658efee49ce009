"""Whether a page shows an item (its file by SHA-256, or its title), and the words for why not."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

import aiohttp

from locales import _
from website.fetch import Limits, Page, Unreachable, fetch, on_website

PASSED, FAILED, UNCHECKED = "passed", "failed", "unchecked"
LINKS_MAX = 10  # files linked from one page that are fetched to compare
PAGE_SUFFIXES = frozenset({"", ".html", ".htm", ".php", ".asp", ".aspx", ".jsp", ".shtml"})


@dataclass(frozen=True)
class Expectation:
    """What a page should carry: one of these files, or (by_title) this title."""

    files: frozenset[str] = frozenset()  # SHA-256 hex of acceptable files
    title: str = ""
    by_title: bool = False


@dataclass(frozen=True)
class Outcome:
    result: str  # passed, failed, unchecked
    code: str = ""  # why not passed: see describe()
    detail: str = ""
    status: int | None = None
    found_sha256: str = ""  # the file the page carried, when it carried one

    @property
    def passed(self) -> bool:
        return self.result == PASSED


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "data") and value:
                self.links.append(value)
            if name in ("title", "alt", "content") and value:
                self.text.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text)).strip().casefold()


def _parse(page: Page) -> _Links:
    parser = _Links()
    parser.feed(page.body.decode("utf-8", errors="replace"))
    return parser


def _file_links(page: Page, links: list[str], website: str) -> list[str]:
    """Links of the page to files (not to other pages) on the website, in order, once each."""
    found: list[str] = []
    for link in links:
        url = urljoin(page.url, link.strip()).split("#", 1)[0]
        suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
        if suffix in PAGE_SUFFIXES or not on_website(url, website) or url in found:
            continue
        found.append(url)
    return found[:LINKS_MAX]


def _kind_of(url: str, content_type: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lstrip(".").upper()
    return suffix or content_type.split(";")[0].split("/")[-1].upper() or _("file")


async def check_shown(
    session: aiohttp.ClientSession, url: str, expect: Expectation, limits: Limits
) -> Outcome:
    """Whether the page at url answers 2xx and carries the expected file or title."""
    try:
        page = await fetch(session, url, limits)
    except Unreachable as exc:
        return Outcome(UNCHECKED, exc.code, exc.detail)
    return await _shown(session, page, expect, limits)


async def _shown(
    session: aiohttp.ClientSession, page: Page, expect: Expectation, limits: Limits
) -> Outcome:
    if not 200 <= page.status < 300:
        return Outcome(FAILED, "status", str(page.status), page.status)
    if page.sha256 in expect.files:
        return Outcome(PASSED, status=page.status, found_sha256=page.sha256)
    if not page.is_html:
        if expect.files:
            kind = _kind_of(page.url, page.content_type)
            return Outcome(FAILED, "file_differs", kind, page.status, page.sha256)
        return Outcome(PASSED, status=page.status, found_sha256=page.sha256)
    parsed = _parse(page)
    if expect.by_title or not expect.files:
        if expect.title and _squash(expect.title) in _squash(" ".join(parsed.text)):
            return Outcome(PASSED, status=page.status)
        return Outcome(FAILED, "no_title", expect.title, page.status)
    differs = ""
    for link in _file_links(page, parsed.links, limits.website):
        try:
            linked = await fetch(session, link, limits)
        except Unreachable:
            continue  # one broken link beside the right one does not fail the page
        if not 200 <= linked.status < 300:
            continue
        if linked.sha256 in expect.files:
            return Outcome(PASSED, status=page.status, found_sha256=linked.sha256)
        differs = differs or _kind_of(linked.url, linked.content_type)
    if differs:
        return Outcome(FAILED, "file_differs", differs, page.status)
    return Outcome(FAILED, "no_file", "", page.status)


async def check_gone(
    session: aiohttp.ClientSession, url: str, expect: Expectation, limits: Limits
) -> Outcome:
    """Whether an item is off the website: 404/410, or a page that no longer carries it."""
    try:
        page = await fetch(session, url, limits)
    except Unreachable as exc:
        return Outcome(UNCHECKED, exc.code, exc.detail)
    if page.status in (404, 410):
        return Outcome(PASSED, status=page.status)
    if not 200 <= page.status < 300:
        return Outcome(UNCHECKED, "status", str(page.status), page.status)
    shown = await _shown(session, page, expect, limits)
    if shown.passed:
        return Outcome(FAILED, "still_online", "", page.status)
    return Outcome(PASSED, status=page.status)


def describe(code: str, detail: str = "") -> str:
    """What did not match, in the reader's language."""
    texts = {
        "timeout": _("the page did not answer within {detail} seconds"),
        "network": _("the website could not be reached ({detail})"),
        "off_site": _("the page redirects away from the website, to {detail}"),
        "redirects": _("the page redirects more than {detail} times"),
        "too_large": _("the page is larger than {detail} MB"),
        "status": _("the page answers {detail}"),
        "file_differs": _("the {detail} on the page differs from the approved file"),
        "no_file": _("the page neither is nor links to the approved file"),
        "no_title": _("the page does not show the title “{detail}”"),
        "still_online": _("the page is still online and still carries the item"),
    }
    text = texts.get(code)
    return text.format(detail=detail) if text else code


def stored_reason(code: str, detail: str = "") -> str:
    """A reason kept in a row (`code:detail`), to be described later in the reader's language."""
    return f"{code}:{detail}"


def describe_stored(reason: str) -> str:
    code, _sep, detail = reason.partition(":")
    return describe(code, detail)
