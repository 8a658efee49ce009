"""Fetching a page of the organization's website: only that host, few redirects, a time and size cap."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp

MAX_REDIRECTS = 3
USER_AGENT = "webpub-checker/0.1 (+publication check of the municipality's own website)"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CHUNK = 64 * 1024
REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Limits:
    """How far a fetch may go: the org's website, and the time and size it may take."""

    website: str  # the org's website, e.g. https://www.mukdahancity.go.th
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES


class Unreachable(Exception):
    """The page could not be fetched; `code` says why (see website.verdict.describe)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Page:
    url: str  # where it was finally found, after redirects
    status: int
    content_type: str
    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def is_html(self) -> bool:
        return "html" in self.content_type


def _port(parts) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None


def on_website(url: str, website: str) -> bool:
    """Whether a URL is on the org's website host (or a subdomain of it), same port."""
    try:
        parts, site = urlsplit(url), urlsplit(website)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname or not site.hostname:
        return False
    host, base = parts.hostname.lower(), site.hostname.lower().removeprefix("www.")
    same_host = host == base or host.endswith("." + base)
    same_port = site.port is None or _port(parts) == _port(site)
    return same_host and same_port


async def fetch(session: aiohttp.ClientSession, url: str, limits: Limits) -> Page:
    """GET a page of the website, following at most three redirects on that host; or Unreachable."""
    try:
        async with asyncio.timeout(limits.timeout):
            return await _follow(session, url, limits)
    except TimeoutError:
        raise Unreachable("timeout", f"{limits.timeout:g}") from None
    except aiohttp.ClientError as exc:
        raise Unreachable("network", type(exc).__name__) from None
    except (ValueError, UnicodeError) as exc:
        raise Unreachable("network", type(exc).__name__) from None


async def _follow(session: aiohttp.ClientSession, url: str, limits: Limits) -> Page:
    for _hop in range(MAX_REDIRECTS + 1):
        if not on_website(url, limits.website):
            raise Unreachable("off_site", urlsplit(url).hostname or url)
        async with session.get(
            url, allow_redirects=False, headers={"User-Agent": USER_AGENT}
        ) as resp:
            if resp.status in REDIRECTS and "Location" in resp.headers:
                url = urljoin(url, resp.headers["Location"])
                continue
            body = await _read_capped(resp, limits.max_bytes)
            return Page(url, resp.status, resp.headers.get("Content-Type", "").lower(), body)
    raise Unreachable("redirects", str(MAX_REDIRECTS))


async def _read_capped(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """The body, refused beyond max_bytes (announced or streamed) without reading it all."""
    size_mb = f"{max_bytes / 1024 / 1024:g}"
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise Unreachable("too_large", size_mb)
    chunks, total = [], 0
    async for chunk in resp.content.iter_chunked(CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise Unreachable("too_large", size_mb)
        chunks.append(chunk)
    return b"".join(chunks)


def client_session() -> aiohttp.ClientSession:
    """A session for the checker: its own connection pool, no cookies kept between pages."""
    return aiohttp.ClientSession(
        cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout(total=None)
    )
