"""`webpub scheduler run-once [--now ISO-8601] [--json]`: every sweep once, as if at that instant."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from bot.settings import Settings


def parse_now(text: str) -> datetime:
    """An ISO-8601 instant; one without an offset is read in WEBPUB_TIMEZONE later."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 date and time, e.g. 2027-01-05T08:30:00+07:00"
        ) from None
    return moment


async def cmd_run_once(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from scheduler.jobs import JOBS, run_all

    async with running(settings) as rt:
        now = args.now or datetime.now(UTC)
        now = (now if now.tzinfo else now.replace(tzinfo=rt.tz)).astimezone(rt.tz)
        done = await run_all(rt, now)
    failed = [job for job, count in done.items() if count < 0]
    if args.json:
        print(json.dumps({"now": now.isoformat(), "sweeps": done, "failed": failed}, indent=2))
    else:
        print(f"scheduler run at {now.isoformat()}")
        units = {job.id: job.unit for job in JOBS}
        width = max(len(job) for job in done)
        for job, count in done.items():
            what = "FAILED (see the log)" if count < 0 else f"{count} {units[job]}"
            print(f"  {job.ljust(width)}  {what}")
    return 1 if failed else 0


def register(sub: Any) -> None:
    """Add `scheduler run-once` to the `webpub` command line."""
    scheduler = sub.add_parser("scheduler", help="the reminder sweeps").add_subparsers(
        dest="scheduler_command", required=True
    )
    once = scheduler.add_parser("run-once", help="run every sweep once, as if at --now")
    once.add_argument(
        "--now", type=parse_now, help="the instant to sweep as, ISO-8601 (default: now)"
    )
    once.add_argument("--json", action="store_true")
    once.set_defaults(func=cmd_run_once)
