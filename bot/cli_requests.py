"""`webpub requests` and `webpub audit`: the record of requests and the proof it is whole."""

from __future__ import annotations

import argparse
import sys

from bot.cli_kit import print_rows
from bot.settings import Settings
from models.enums import Status


async def cmd_requests_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.listing import request_rows

    async with running(settings) as rt:
        rows = await request_rows(rt, status=args.status)
    print_rows(
        rows, args.json, ["ref", "status", "title", "owner", "category", "publish_date", "end_date"]
    )
    return 0


async def cmd_requests_show(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.listing import request_detail

    async with running(settings) as rt:
        detail = await request_detail(rt, args.ref)
    if detail is None:
        print(f"no request {args.ref}", file=sys.stderr)
        return 1
    if args.json:
        print_rows(detail, True)
    else:
        for key, value in detail.items():
            if isinstance(value, list):
                print(f"{key}:")
                for item in value:
                    print("  - " + ", ".join(f"{k}={v}" for k, v in item.items()))
            else:
                print(f"{key}: {value}")
    return 0


async def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.integrity import parse_head, verify_records

    try:
        expected = parse_head(args.expect_head) if args.expect_head else None
    except ValueError as exc:
        print(f"webpub: --expect-head: {exc}", file=sys.stderr)
        return 2
    async with running(settings) as rt:
        result = await verify_records(rt, expected)
    if result.ok:
        print(f"OK: {result.count} events, chain intact, content matches")
        return 0
    for problem in result.problems:
        print(problem)
    return 1


async def cmd_audit_head(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from models.audit import chain_head

    async with running(settings) as rt:
        seq, digest = await chain_head(rt.org_id)
    print_rows({"seq": seq, "hash": digest} if args.json else f"{seq} {digest}", args.json)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    requests = sub.add_parser("requests", help="requests").add_subparsers(
        dest="requests_command", required=True
    )
    rlist = requests.add_parser("list", help="requests, newest first")
    rlist.add_argument("--status", choices=[s.value for s in Status])
    rlist.add_argument("--json", action="store_true")
    rlist.set_defaults(func=cmd_requests_list)
    rshow = requests.add_parser("show", help="one request in full")
    rshow.add_argument("ref")
    rshow.add_argument("--json", action="store_true")
    rshow.set_defaults(func=cmd_requests_show)

    audit = sub.add_parser("audit", help="audit chain").add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit.add_parser(
        "verify", help="prove the chain is whole and the requests and files are what it sealed"
    )
    verify.add_argument(
        "--expect-head",
        metavar="SEQ:HASH",
        help="a head kept outside the database (the daily checkpoint): catches a cut chain",
    )
    verify.set_defaults(func=cmd_audit_verify)
    head = audit.add_parser(
        "head", help="the latest sequence and hash, to keep outside the database"
    )
    head.add_argument("--json", action="store_true")
    head.set_defaults(func=cmd_audit_head)
