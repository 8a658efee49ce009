"""A stand-in for the office website: a local aiohttp server whose pages a test sets up.

site = OfficeSite(); await site.start()
site.file("/files/job.pdf", PDF)                      # a file at an address
site.page("/news/1", links=["/files/job.pdf"], title="…")  # an HTML page linking to it
site.status("/gone", 404); site.redirect("/r", "http://localhost:…/x"); site.hang("/slow")
org.website = site.url  -> the org's website host pointed at it
"""

from __future__ import annotations

import asyncio
import html

from aiohttp import web
from aiohttp.test_utils import TestServer

MB = 1024 * 1024


class OfficeSite:
    def __init__(self) -> None:
        self.routes: dict[str, web.StreamResponse | object] = {}
        self.hits: list[tuple[str, str]] = []  # (path, User-Agent)
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._serve)
        self.server = TestServer(app, host="127.0.0.1")

    async def start(self) -> OfficeSite:
        await self.server.start_server()
        return self

    async def close(self) -> None:
        self._release.set()
        await self.server.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def at(self, path: str) -> str:
        return self.url + path

    # -- what the site serves ----------------------------------------------------------

    def file(self, path: str, body: bytes, content_type: str = "application/pdf") -> None:
        self.routes[path] = ("file", body, content_type)

    def page(self, path: str, *, title: str = "", links: tuple[str, ...] | list[str] = ()) -> None:
        anchors = "".join(f'<a href="{html.escape(link)}">download</a>' for link in links)
        body = f"<html><body><h1>{html.escape(title)}</h1>{anchors}</body></html>"
        self.routes[path] = ("file", body.encode(), "text/html; charset=utf-8")

    def status(self, path: str, code: int) -> None:
        self.routes[path] = ("status", code)

    def remove(self, path: str) -> None:
        self.routes.pop(path, None)

    def redirect(self, path: str, location: str) -> None:
        self.routes[path] = ("redirect", location)

    def hang(self, path: str) -> None:
        self.routes[path] = ("hang",)

    def huge(self, path: str, size: int, *, announced: bool) -> None:
        self.routes[path] = ("huge", size, announced)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits.append((path, request.headers.get("User-Agent", "")))
        route = self.routes.get(path)
        if route is None:
            return web.Response(status=404, text="not found")
        kind = route[0]
        if kind == "file":
            return web.Response(body=route[1], headers={"Content-Type": route[2]})
        if kind == "status":
            return web.Response(status=route[1], text="status")
        if kind == "redirect":
            raise web.HTTPFound(route[1])
        if kind == "hang":
            await self._release.wait()
            return web.Response(text="too late")
        size, announced = route[1], route[2]
        resp = web.StreamResponse(headers={"Content-Type": "application/pdf"})
        if announced:
            resp.content_length = size
        else:
            resp.enable_chunked_encoding()
        await resp.prepare(request)
        block = b"%" * MB
        try:
            for _ in range(size // MB):
                await resp.write(block)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return resp
