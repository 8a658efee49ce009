"""Bench: what one event costs on the hot path (webhook → inbox → outbox row → reply sent).

Runs the whole bot in this process as the tests do (tests/harness.py: the real app and its
workers, the LINE emulator, a migrated SQLite file), enrols LINE staff, and sends each of
them, one event at a time, through the real webhook:

    help   /help from an enrolled person
    new    /new, which starts the submission dialog (a command that writes rows)
    tap    the category button of /new's question (a postback)
    step   the title typed as the answer to the next question (a dialog step)

Each event is posted to /webhooks/line and counts as done when its reply reaches the
emulator; nothing of the inbox or outbox is called directly, so the bench keeps working
when their insides change. Per kind it prints CPU and wall time per event, SQL statements,
database round trips and transactions per event (every statement SQLite runs, seen through
its trace callback), the statements grouped by text, one event's statements in order, and a
cProfile pass: top functions by cumulative and own time, and own time by area.

    .venv/bin/python bench/step_cost.py                # 300 events of each kind
    .venv/bin/python bench/step_cost.py --events 50 --kinds help,step --no-profile
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiosqlite  # noqa: E402

from models.db import upgrade  # noqa: E402
from tests.emulators import line_postback_event, line_text_event  # noqa: E402
from tests.harness import Actor, World, running_world  # noqa: E402

KINDS = ("help", "new", "tap", "step")
CATEGORY = "ประชาสัมพันธ์"  # the button tapped after /new (tests/test_submit_flow.py)
TITLE = "ประกาศรับสมัครพนักงานจ้าง"  # the answer typed to the title question
WARMUP = 3  # actors whose events warm caches and give the one-event statement lists
QUIET = 0.08  # seconds without a statement or a delivery: the event's work is over
TIMEOUT = 15.0  # seconds an event may take before the bench gives up
TOP = 25  # functions shown per profile table
OUR_PACKAGES = (
    "bot core handlers intake locales models notices procedure records scheduler website".split()
)
_OURS = "|".join(re.escape(str(ROOT / p)) for p in OUR_PACKAGES)
PROFILED = re.compile(rf"^(?:(?:{_OURS})/|.*/site-packages/(?:tortoise|pypika_tortoise)/)")


# -- what SQLite runs ---------------------------------------------------------------------


@dataclass
class Statement:
    phase: str
    task: str
    sql: str


@dataclass
class Tracer:
    """Every statement SQLite runs (its trace callback) and every trip to the database thread.

    aiosqlite runs each call in its connection's thread; wrapping `Connection._execute` names
    the asyncio task that asked, measures the thread's CPU, and installs the trace callback on
    the first call of each connection (the callback must be set in the connection's thread).
    """

    phase: str = "setup"
    statements: list[Statement] = field(default_factory=list)
    trips: Counter[str] = field(default_factory=Counter)
    db_cpu: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    _local: threading.local = field(default_factory=threading.local)
    _traced: set[int] = field(default_factory=set)

    def install(self) -> None:
        original = aiosqlite.Connection._execute
        tracer = self

        async def _execute(conn: aiosqlite.Connection, fn: Callable, *args, **kwargs):  # type: ignore[no-untyped-def]
            task = _task_label()
            phase = tracer.phase
            tracer.trips[phase] += 1

            def run() -> object:
                raw = conn._connection
                if raw is not None and id(raw) not in tracer._traced:
                    tracer._traced.add(id(raw))
                    raw.set_trace_callback(tracer._trace)
                tracer._local.task = task
                started = time.thread_time()
                try:
                    return fn(*args, **kwargs)
                finally:
                    tracer.db_cpu[phase] += time.thread_time() - started

            return await original(conn, run)

        aiosqlite.Connection._execute = _execute  # type: ignore[method-assign]

    def _trace(self, sql: str) -> None:
        self.statements.append(Statement(self.phase, getattr(self._local, "task", "?"), sql))

    def of(self, phase: str) -> list[Statement]:
        return [s for s in self.statements if s.phase == phase]


def _task_label() -> str:
    """Which part of the bot asked: the worker's task name, or the coroutine running the task."""
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return "?"
    if task is None:
        return "?"
    name = task.get_name()
    if not name.startswith("Task-"):
        return name
    coro = task.get_coro()
    return getattr(coro, "__qualname__", type(coro).__name__)


_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![\w\"])-?\d+(?:\.\d+)?(?![\w\"])")
_LIST = re.compile(r"\((?:\s*\?\s*,)+\s*\?\s*\)")
_SAVEPOINT = re.compile(r"tortoise_savepoint_\w+")


def normalize(sql: str) -> str:
    """The statement without its values (SQLite traces them bound), one line."""
    text = _STRING.sub("?", sql)
    text = _NUMBER.sub("?", text)
    text = _LIST.sub("(?…)", text)
    text = _SAVEPOINT.sub("savepoint", text)
    return " ".join(text.split())


def is_begin(sql: str) -> bool:
    return sql.lstrip().upper().startswith("BEGIN")


def is_commit(sql: str) -> bool:
    return sql.strip().upper() in ("COMMIT", "END", "COMMIT TRANSACTION", "END TRANSACTION")


def shorten(sql: str, width: int) -> str:
    return sql if len(sql) <= width else sql[: width - 1] + "…"


# -- driving the bot ----------------------------------------------------------------------


class Deliveries:
    """Counts the LINE emulator's deliveries (reply and push calls) and wakes who waits."""

    def __init__(self, world: World) -> None:
        self.line = world.line
        self.changed = asyncio.Event()
        self.hooked = hasattr(self.line, "_deliver")
        if self.hooked:
            deliver = self.line._deliver

            def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
                sent = deliver(*args, **kwargs)
                self.changed.set()
                return sent

            self.line._deliver = counted  # type: ignore[method-assign]

    @property
    def count(self) -> int:
        return self.line.reply_count + self.line.push_count

    async def wait_for(self, target: int, within: float = TIMEOUT) -> None:
        deadline = time.perf_counter() + within
        while self.count < target:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise RuntimeError(f"no reply within {within} s ({self.count} of {target})")
            if self.hooked:
                self.changed.clear()
                if self.count >= target:
                    break
                try:
                    await asyncio.wait_for(self.changed.wait(), remaining)
                except TimeoutError:
                    pass
            else:
                await asyncio.sleep(0.001)


@dataclass
class Bench:
    world: World
    tracer: Tracer
    deliveries: Deliveries
    per_event: dict[str, int] = field(default_factory=dict)  # deliveries each kind causes

    async def quiet(self) -> None:
        """Wait until neither the database nor the emulator has seen anything for QUIET s."""
        while True:
            seen = (len(self.tracer.statements), self.deliveries.count)
            await asyncio.sleep(QUIET)
            if (len(self.tracer.statements), self.deliveries.count) == seen:
                return

    def event(self, kind: str, actor: Actor, tap_data: dict[str, str]) -> dict:
        if kind == "help":
            return line_text_event(actor.user, "/help", line=self.world.line)
        if kind == "new":
            return line_text_event(actor.user, "/new", line=self.world.line)
        if kind == "tap":
            return line_postback_event(actor.user, tap_data[actor.user], line=self.world.line)
        return line_text_event(actor.user, TITLE, line=self.world.line)

    async def send(self, kind: str, actor: Actor, tap_data: dict[str, str]) -> float:
        """One event through the webhook; seconds until its reply reached the emulator."""
        target = self.deliveries.count + self.per_event.get(kind, 1)
        started = time.perf_counter()
        status = await self.world.post_line(self.event(kind, actor, tap_data))
        if status != 200:
            raise RuntimeError(f"webhook answered {status}")
        await self.deliveries.wait_for(target)
        return time.perf_counter() - started

    def category_buttons(self, actors: list[Actor]) -> dict[str, str]:
        """Each actor's postback data for the category button /new showed them."""
        found = {}
        for actor in actors:
            _message, button = actor.find_button(CATEGORY)
            found[actor.user] = button.get("data") or button["callback_data"]
        return found


@dataclass
class Run:
    kind: str
    events: int
    cpu: float
    wall: float
    latencies: list[float]
    db_cpu: float
    trips: int
    statements: list[Statement]


async def run_kind(
    bench: Bench, kind: str, actors: list[Actor], tap_data: dict[str, str], phase: str
) -> Run:
    """Send `kind` once per actor, one after the other; totals are taken once all is quiet."""
    await bench.quiet()
    bench.tracer.phase = phase
    cpu0, wall0 = time.process_time(), time.perf_counter()
    latencies = [await bench.send(kind, actor, tap_data) for actor in actors]
    wall = time.perf_counter() - wall0
    await bench.quiet()
    cpu = time.process_time() - cpu0
    bench.tracer.phase = "between"
    return Run(
        kind,
        len(actors),
        cpu,
        wall,
        latencies,
        bench.tracer.db_cpu[phase],
        bench.tracer.trips[phase],
        bench.tracer.of(phase),
    )


async def enrol_all(world: World, n: int, chunk: int = 10) -> list[Actor]:
    actors: list[Actor] = []
    while len(actors) < n:
        size = min(chunk, n - len(actors))
        actors += await asyncio.gather(
            *(world.enrol(f"พนักงาน {len(actors) + i}") for i in range(size))
        )
    return actors


# -- reports ------------------------------------------------------------------------------


def table(runs: list[Run], idle_per_second: float) -> str:
    head = (
        f"{'kind':<6} {'events':>6} {'CPU ms/ev':>9} {'(db thr)':>8} {'wall ms/ev':>10} "
        f"{'p50/p95 ms':>12} {'SQL/ev':>7} {'trips/ev':>8} {'commits/ev':>10}"
    )
    lines = [head, "-" * len(head)]
    for r in runs:
        n = r.events
        commits = sum(is_commit(s.sql) for s in r.statements)
        ordered = sorted(r.latencies)
        p50, p95 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.95)]
        lines.append(
            f"{r.kind:<6} {n:>6} {r.cpu / n * 1000:>9.2f} {r.db_cpu / n * 1000:>8.2f} "
            f"{r.wall / n * 1000:>10.2f} {p50 * 1000:>5.1f}/{p95 * 1000:<6.1f} "
            f"{len(r.statements) / n:>7.1f} {r.trips / n:>8.1f} {commits / n:>10.2f}"
        )
    lines.append(
        "CPU: time.process_time over the kind's events (all threads: the bot, its SQLite thread,\n"
        "and the in-process client and emulator); (db thr): of it, in aiosqlite's thread.\n"
        "SQL: statements SQLite ran (BEGIN/COMMIT/PRAGMA included); trips: calls into aiosqlite's\n"
        f"thread. Idle background polling when nothing happens: {idle_per_second:.1f} statements/s."
    )
    return "\n".join(lines)


def breakdown(run: Run, top: int = 30, width: int = 150) -> str:
    n = run.events
    groups: Counter[tuple[str, str]] = Counter((s.task, normalize(s.sql)) for s in run.statements)
    lines = [f"-- {run.kind}: statements grouped by text (per event, task that ran them) --"]
    for (task, sql), count in groups.most_common(top):
        lines.append(f"{count / n:6.2f}  {task:<22.22} {shorten(sql, width)}")
    if len(groups) > top:
        rest = sum(c for _k, c in groups.most_common()[top:])
        lines.append(f"{rest / n:6.2f}  ({len(groups) - top} more statement texts)")
    return "\n".join(lines)


def in_order(kind: str, statements: list[Statement], width: int = 170) -> str:
    lines = [f"-- {kind}: one event's statements in order ({len(statements)}) --"]
    for i, s in enumerate(statements, 1):
        lines.append(f"{i:3}. {s.task:<22.22} {shorten(normalize(s.sql), width)}")
    return "\n".join(lines)


def _where(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    if filename.startswith(str(ROOT) + "/"):
        return filename.removeprefix(str(ROOT) + "/")
    if "/lib/python3" in filename:
        return "stdlib:" + filename.split("/lib/python3", 1)[1].split("/", 1)[-1]
    return filename


def area(filename: str, function: str) -> str:
    """A profile row's area: our package, a library, a stdlib module, or C built-ins."""
    if filename == "~":  # "<method 'get' of 'dict' objects>", "<built-in method time.time>"
        method = re.match(r"<method '(\w+)' of '([\w.]+)' objects>", function)
        if method:
            return f"C {method[2]}.{method[1]}"
        return "C " + function.removeprefix("<built-in method ").removesuffix(">")
    where = _where(filename)
    if where.startswith("stdlib:"):
        return "stdlib " + where.removeprefix("stdlib:").split("/")[0].removesuffix(".py")
    top = where.split("/")[0].removesuffix(".py")
    if filename.startswith(str(ROOT) + "/") and "site-packages/" not in filename:
        return ("bench+emulators " if top in ("tests", "bench") else "webpub ") + top
    return top


def profile_report(kind: str, profile: cProfile.Profile, events: int, unprofiled: float) -> str:
    """`unprofiled`: the kind's main-thread CPU per event without the profiler, in seconds."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows = [
        (f"{_where(file)}:{line}({func})", file, func, nc, tt, ct)
        for (file, line, func), (_cc, nc, tt, ct, _callers) in stats.items()
    ]
    ours = [r for r in rows if PROFILED.match(r[1])]
    webpub = [r for r in ours if "site-packages/" not in r[1]]
    total = sum(r[4] for r in rows)
    per_event = total / events * 1000
    out = [
        f"== profile: {kind}, {events} events, {per_event:.2f} ms/event main-thread CPU profiled; "
        f"{unprofiled * 1000:.2f} ms without the profiler (scale by "
        f"{unprofiled * 1000 / per_event:.2f} for an estimate of real time) =="
    ]
    for title, key, chosen in (
        ("cumulative, webpub code only (the stages)", 5, webpub),
        ("cumulative, webpub + tortoise + pypika", 5, ours),
        ("own time (tottime), webpub + tortoise + pypika", 4, ours),
    ):
        out.append(f"-- top {TOP} by {title}; µs/event profiled --")
        out.append(f"{'cum µs':>8} {'own µs':>8} {'calls/ev':>8}  function")
        for name, _file, _func, nc, tt, ct in sorted(chosen, key=lambda r: -r[key])[:TOP]:
            out.append(
                f"{ct / events * 1e6:>8.0f} {tt / events * 1e6:>8.0f} {nc / events:>8.1f}  {name}"
            )
    by_area: Counter[str] = Counter()
    for _name, file, func, _nc, tt, _ct in rows:
        by_area[area(file, func)] += tt
    out.append("-- own time by area (all code, main thread); µs/event and share --")
    for name, tt in by_area.most_common(22):
        out.append(f"{tt / events * 1e6:>8.0f}  {tt / total * 100:5.1f}%  {name}")
    return "\n".join(out)


# -- the run ------------------------------------------------------------------------------


async def main(events: int, kinds: list[str], profile: bool, dump: Path | None) -> None:
    logging.basicConfig(level=logging.WARNING)  # as `webpub serve` runs without --verbose
    workdir = Path(tempfile.mkdtemp(prefix="webpub-step-cost-"))
    db_url = f"sqlite://{workdir}/bench.sqlite3"
    await upgrade(db_url)
    tracer = Tracer()
    tracer.install()
    async with running_world(db_url, workdir / "data") as world:
        bench = Bench(world, tracer, Deliveries(world))
        started = time.perf_counter()
        passes = 2 if profile else 1
        actors = await enrol_all(world, WARMUP + events * passes)
        print(f"enrolled {len(actors)} LINE staff in {time.perf_counter() - started:.1f} s")
        warm, timed, profiled = (
            actors[:WARMUP],
            actors[WARMUP : WARMUP + events],
            actors[WARMUP + events :],
        )

        await bench.quiet()
        tracer.phase = "idle"
        await asyncio.sleep(3.0)
        idle = len(tracer.of("idle")) / 3.0
        tracer.phase = "between"

        # Warm-up: each kind once per warm actor, alone; the last one's statements in order,
        # and how many deliveries each kind causes (so the timed runs know when one is done).
        samples: dict[str, list[Statement]] = {}
        warm_taps: dict[str, str] = {}
        for kind in KINDS:
            if kind == "tap":
                warm_taps = bench.category_buttons(warm)
            for i, actor in enumerate(warm):
                await bench.quiet()
                before = bench.deliveries.count
                tracer.phase = f"sample-{kind}-{i}"
                await world.post_line(bench.event(kind, actor, warm_taps))
                await bench.deliveries.wait_for(before + 1)
                await bench.quiet()
                tracer.phase = "between"
                bench.per_event[kind] = bench.deliveries.count - before
            samples[kind] = tracer.of(f"sample-{kind}-{WARMUP - 1}")

        runs: list[Run] = []
        profiles: dict[str, cProfile.Profile] = {}
        taps: dict[str, str] = {}
        prof_taps: dict[str, str] = {}
        for kind in KINDS:  # every kind runs (a step needs /new and the tap); some are reported
            if kind == "tap":
                taps = bench.category_buttons(timed)
            runs.append(await run_kind(bench, kind, timed, taps, kind))
            if profile:
                if kind == "tap":
                    prof_taps = bench.category_buttons(profiled)
                # The main thread's CPU only: wall time would count waits in the selector and
                # for the GIL, and SQLite's thread is measured in the timed run.
                profiler = cProfile.Profile(time.thread_time)
                profiler.enable()
                await run_kind(bench, kind, profiled, prof_taps, f"profile-{kind}")
                profiler.disable()
                profiles[kind] = profiler

    chosen = [r for r in runs if r.kind in kinds]
    print()
    print(table(chosen, idle))
    print(f"(deliveries per event: {bench.per_event}; idle statements/s: {idle:.1f})")
    for r in chosen:
        print()
        print(in_order(r.kind, samples[r.kind]))
        print()
        print(breakdown(r))
    for kind in kinds:
        if kind in profiles:
            print()
            timed_run = next(r for r in runs if r.kind == kind)
            unprofiled = (timed_run.cpu - timed_run.db_cpu) / timed_run.events
            print(profile_report(kind, profiles[kind], events, unprofiled))
            if dump is not None:
                profiles[kind].dump_stats(dump / f"step_cost-{kind}.pstats")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300, help="events of each kind")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="kinds to report: help,new,tap,step"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile pass")
    parser.add_argument("--dump", type=Path, help="also save each kind's profile (pstats) here")
    args = parser.parse_args()
    chosen_kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(chosen_kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    asyncio.run(main(args.events, chosen_kinds, not args.no_profile, args.dump))
