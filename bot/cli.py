"""The `webpub` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import cli_delegate, cli_platforms, cli_scheduler
from bot.cli_kit import print_rows
from bot.settings import Settings, SettingsError, load_settings
from core.org_config import OrgConfigError
from models.enums import OutboxStatus, Role, Status


async def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.server import serve

    await serve(settings, telegram_polling=args.telegram_polling)
    return 0


async def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import load_org, running
    from models.db import upgrade

    load_org(settings)  # a bad org file stops here, before the database is touched
    applied = await upgrade(settings.database_url)
    async with running(settings):
        pass  # ensures the organization and its categories from the org file
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return 0


async def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from models.enrol import create_invite

    async with running(settings) as rt:
        code = await create_invite(
            rt.org_id,
            Role(args.role),
            args.name,
            unit=args.unit or "",
            position=args.position or "",
        )
    print(code)
    return 0


async def cmd_people_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.listing import people_rows

    async with running(settings) as rt:
        rows = await people_rows(rt)
    print_rows(rows, args.json, ["id", "name", "unit", "roles", "platforms"])
    return 0


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
    from models.audit import verify_chain

    async with running(settings) as rt:
        result = await verify_chain(rt.org_id)
    if result.ok:
        print(f"OK: {result.count} events, chain intact")
        return 0
    print(f"BROKEN at event {result.broken_seq}: {result.problem}")
    return 1


async def cmd_audit_head(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from models.audit import chain_head

    async with running(settings) as rt:
        seq, digest = await chain_head(rt.org_id)
    print_rows({"seq": seq, "hash": digest} if args.json else f"{seq} {digest}", args.json)
    return 0


async def cmd_outbox_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.listing import outbox_rows

    async with running(settings):
        rows = await outbox_rows(args.status)
    print_rows(
        rows, args.json, ["id", "status", "channel", "chat_id", "kind", "attempts", "last_error"]
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webpub", description="webpub: publish on the website by chat"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web server, the outbox worker and the scheduler")
    serve.add_argument(
        "--telegram-polling", action="store_true", help="long-poll Telegram instead of a webhook"
    )
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations (idempotent)").set_defaults(func=cmd_db_upgrade)

    invite = sub.add_parser("invite", help="print a one-time enrolment code")
    invite.add_argument("--role", required=True, choices=[r.value for r in Role])
    invite.add_argument("--name", required=True)
    invite.add_argument("--unit")
    invite.add_argument("--position")
    invite.set_defaults(func=cmd_invite)

    people = sub.add_parser("people", help="people").add_subparsers(
        dest="people_command", required=True
    )
    plist = people.add_parser("list", help="everyone enrolled")
    plist.add_argument("--json", action="store_true")
    plist.set_defaults(func=cmd_people_list)

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
    audit.add_parser("verify", help="prove the chain is whole").set_defaults(func=cmd_audit_verify)
    head = audit.add_parser(
        "head", help="the latest sequence and hash, to keep outside the database"
    )
    head.add_argument("--json", action="store_true")
    head.set_defaults(func=cmd_audit_head)

    outbox = sub.add_parser("outbox", help="messages on their way out").add_subparsers(
        dest="outbox_command", required=True
    )
    olist = outbox.add_parser("list", help="outbox messages, newest first (dead: gave up)")
    olist.add_argument("--status", default="dead", choices=[s.value for s in OutboxStatus])
    olist.add_argument("--json", action="store_true")
    olist.set_defaults(func=cmd_outbox_list)

    for group in (cli_scheduler, cli_platforms, cli_delegate):
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        code = asyncio.run(args.func(settings, args))
    except (SettingsError, OrgConfigError) as exc:
        print(f"webpub: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code)

