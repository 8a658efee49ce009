"""What both emulators share: an aiohttp server on 127.0.0.1, a request log and fault injection.

Subclasses provide the route table and four hooks: `_authorize` (a response when the caller
is not allowed), `_error` (a platform-shaped error body), `_accepts` (whether a request
delivers something, so an "after accept" fault can happen after delivery) and `_call_name`
(how the request log names a call).
"""

from __future__ import annotations

import asyncio
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Self

from aiohttp import web

FAULT_KINDS = ("500", "429", "timeout")
Clock = Callable[[], float]


class ApiError(Exception):
    """Raised by a handler to answer with the platform's error shape."""

    def __init__(self, status: int, message: str, extra: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra or {}


@dataclass(frozen=True)
class RequestRecord:
    """One call the emulator answered: HTTP method, path, status and the injected fault, if any."""

    method: str
    path: str
    status: int
    name: str
    fault: str | None = None
    time: float = 0.0


@dataclass(frozen=True)
class Fault:
    """A failure chosen for one request; `after_accept` means the work is done before it fails."""

    kind: str
    after_accept: bool = False
    hold: float | None = None  # seconds a "timeout" holds the response; None: the plan's


class FaultPlan:
    """Decides, per request, whether to fail it: a random share, or the next N matching calls."""

    def __init__(self) -> None:
        self.rate = 0.0
        self.kinds: tuple[str, ...] = FAULT_KINDS
        self.after_accept = 0.0
        self.paths: tuple[str, ...] = ()
        self.timeout_seconds = 2.0
        self._rng = random.Random()
        self._queued: list[tuple[Fault, tuple[str, ...]]] = []

    def configure(
        self,
        rate: float,
        kinds: Iterable[str],
        *,
        seed: int | None,
        after_accept: float,
        paths: Iterable[str] | None,
        timeout_seconds: float,
    ) -> None:
        kinds = tuple(kinds)
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown or not kinds:
            raise ValueError(f"fault kinds must be among {FAULT_KINDS}, got {kinds}")
        if not 0.0 <= rate <= 1.0 or not 0.0 <= after_accept <= 1.0:
            raise ValueError("rate and after_accept are shares between 0 and 1")
        self.rate = rate
        self.kinds = kinds
        self.after_accept = after_accept
        self.paths = tuple(paths or ())
        self.timeout_seconds = timeout_seconds
        self._rng = random.Random(seed)

    def queue(
        self,
        kind: str,
        times: int,
        after_accept: bool,
        paths: Iterable[str] | None,
        hold: float | None,
    ) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, got {kind!r}")
        self._queued.extend([(Fault(kind, after_accept, hold), tuple(paths or ()))] * times)

    def draw(self, path: str) -> Fault | None:
        for i, (fault, paths) in enumerate(self._queued):
            if _matches(path, paths):
                del self._queued[i]
                return fault
        if self.rate <= 0.0 or not _matches(path, self.paths):
            return None
        if self._rng.random() >= self.rate:
            return None
        kind = self._rng.choice(self.kinds)
        after = kind != "429" and self._rng.random() < self.after_accept
        return Fault(kind, after)


def _matches(path: str, paths: tuple[str, ...]) -> bool:
    return not paths or any(p in path for p in paths)


class EmulatorServer(ABC):
    """Start/stop, `async with`, the request log and fault injection for one platform emulator."""

    shutdown_timeout = 1.0

    def __init__(self, *, clock: Clock = time.time) -> None:
        self.clock = clock
        self.url = ""
        self.requests: list[RequestRecord] = []
        self._fault_plan = FaultPlan()
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, port: int = 0) -> Self:
        """Bind a port (default: a free one) on 127.0.0.1 and serve; `.url` is then e.g.
        http://127.0.0.1:41234. Starting again on the old port brings a stopped emulator back."""
        if self._runner is not None:
            return self
        self._stopping = asyncio.Event()
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        app.add_routes(self._routes())
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=self.shutdown_timeout)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self._runner = runner
        return self

    async def stop(self) -> None:
        """Release held (timeout) requests and long polls, then close the server."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- fault injection -------------------------------------------------------------------

    def faults(
        self,
        rate: float = 0.3,
        kinds: Iterable[str] = FAULT_KINDS,
        *,
        seed: int | None = None,
        after_accept: float = 0.0,
        paths: Iterable[str] | None = None,
        timeout_seconds: float = 2.0,
    ) -> None:
        """Fail a share `rate` of calls (0 turns faults off) with one of `kinds`.

        `after_accept` is the share of "500"/"timeout" faults on delivering calls that happen
        after the message was delivered and recorded. `paths` limits faults to calls whose
        path contains one of these substrings. A "timeout" holds the response for
        `timeout_seconds` (set the client's timeout below it), then answers 500. Faults
        queued with fail_next() are kept.
        """
        self._fault_plan.configure(
            rate,
            kinds,
            seed=seed,
            after_accept=after_accept,
            paths=paths,
            timeout_seconds=timeout_seconds,
        )

    def fail_next(
        self,
        kind: str = "500",
        *,
        times: int = 1,
        after_accept: bool = False,
        paths: Iterable[str] | None = None,
        timeout_seconds: float | None = None,
    ) -> None:
        """Fail the next `times` calls matching `paths` with `kind`, whatever the random plan says.

        `after_accept=True` lets a delivering call deliver first; `timeout_seconds` is how long
        a "timeout" holds the response (default: the value last given to faults(), 2 s).
        """
        self._fault_plan.queue(kind, times, after_accept, paths, timeout_seconds)

    # -- hooks for subclasses ----------------------------------------------------------------

    @abstractmethod
    def _routes(self) -> list[web.RouteDef]:
        """The platform's endpoints."""

    def _authorize(self, request: web.Request) -> web.Response | None:
        return None

    @abstractmethod
    def _error(self, status: int, message: str, extra: dict | None = None) -> web.Response:
        """An error response in the platform's own shape."""

    def _accepts(self, request: web.Request) -> bool:
        return False

    def _call_name(self, request: web.Request) -> str:
        return request.path

    def _rate_limited(self) -> web.Response:
        return self._error(429, "Too Many Requests")

    # -- plumbing ----------------------------------------------------------------------------

    async def _hold(self, seconds: float) -> None:
        """Sleep `seconds`, or less when the emulator stops."""
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass

    async def _fail(self, fault: Fault) -> web.Response:
        if fault.kind == "429":
            return self._rate_limited()
        if fault.kind == "timeout":
            hold = self._fault_plan.timeout_seconds if fault.hold is None else fault.hold
            await self._hold(hold)
        return self._error(500, "Internal Server Error")

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        fault: Fault | None = None
        if request.match_info.http_exception is not None:
            exc = request.match_info.http_exception
            response: web.StreamResponse = self._error(exc.status, exc.reason)
        elif (denied := self._authorize(request)) is not None:
            response = denied
        else:
            fault = self._fault_plan.draw(request.path)
            if fault is not None and not (fault.after_accept and self._accepts(request)):
                response = await self._fail(fault)
            else:
                try:
                    response = await handler(request)
                except ApiError as exc:
                    response = self._error(exc.status, exc.message, exc.extra)
                if fault is not None:
                    response = await self._fail(fault)
        self.requests.append(
            RequestRecord(
                method=request.method,
                path=request.path,
                status=response.status,
                name=self._call_name(request),
                fault=fault.kind if fault else None,
                time=self.clock(),
            )
        )
        return response
