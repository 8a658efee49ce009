"""`webpub delegate --to NAME --from DATE --until DATE [--for NAME]`, and `--list`, `--end`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.cli_kit import print_rows
from bot.settings import Settings


async def cmd_delegate(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from procedure.delegation import (
        DelegationError,
        current_and_future,
        delegate,
        end_delegations,
        find_person,
        read_day,
    )

    now = datetime.now(UTC)
    async with running(settings) as rt:
        if args.end:
            print(f"ended {await end_delegations(rt, now, None)} delegation(s)")
            return 0
        if not args.list:
            if not (args.to and args.start and args.until):
                print("webpub delegate: --to, --from and --until are needed (or --list, --end)")
                return 2
            try:
                acting = await find_person(rt.org_id, args.to)
                approver = await find_person(rt.org_id, args.for_) if args.for_ else None
                today = rt.today(now)
                starts, ends = read_day(args.start, today), read_day(args.until, today)
                await delegate(rt, acting, starts, ends, now, approver=approver)
            except DelegationError as exc:
                print(f"webpub delegate: {exc}")
                return 1
        rows = [
            {
                "id": r.id,
                "acting": r.acting.name,
                "for": r.approver.name if r.approver else "",
                "from": r.starts_on.isoformat(),
                "until": r.ends_on.isoformat(),
            }
            for r in await current_and_future(rt, now)
        ]
    print_rows(rows, args.json, ["id", "acting", "for", "from", "until"])
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "delegate", help="name an acting approver for a date range (รักษาราชการแทน)"
    )
    parser.add_argument("--to", help="the acting approver's name")
    parser.add_argument("--from", dest="start", help="first day (2026-12-01 or 1/12/2569)")
    parser.add_argument("--until", help="last day, inclusive")
    parser.add_argument("--for", dest="for_", help="the approver replaced (default: the only one)")
    parser.add_argument("--list", action="store_true", help="current and coming delegations")
    parser.add_argument("--end", action="store_true", help="end every current and coming one")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=cmd_delegate)
