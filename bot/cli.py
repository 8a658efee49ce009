"""The `webpub` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import (
    cli_delegate,
    cli_import,
    cli_people,
    cli_platforms,
    cli_queues,
    cli_records,
    cli_requests,
    cli_scheduler,
)
from bot.settings import Settings, SettingsError, load_settings
from core.org_config import OrgConfigError


async def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.server import serve

    return await serve(settings, telegram_polling=args.telegram_polling, verbose=args.verbose)


async def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import load_org, running
    from models.db import upgrade

    load_org(settings)  # a bad org file stops here, before the database is touched
    applied = await upgrade(settings.database_url)
    async with running(settings):
        pass  # ensures the organization and its categories from the org file
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
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
    serve.add_argument(
        "-v", "--verbose", action="store_true", help="log every start-up step, request and job"
    )
    serve.set_defaults(func=cmd_serve)
    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations (idempotent)").set_defaults(func=cmd_db_upgrade)
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


# Each module adds its sub-commands with register(sub); the order is the order of --help.
COMMAND_GROUPS = (
    cli_people,
    cli_requests,
    cli_records,
    cli_queues,
    cli_scheduler,
    cli_platforms,
    cli_delegate,
    cli_import,
)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        code = asyncio.run(args.func(settings, args))
    except (SettingsError, OrgConfigError) as exc:
        print(f"webpub: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code)
