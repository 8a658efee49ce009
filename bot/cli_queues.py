"""`webpub outbox`: the messages on their way out, and those that gave up."""

from __future__ import annotations

import argparse

from bot.cli_kit import print_rows
from bot.settings import Settings
from models.enums import OutboxStatus


async def cmd_outbox_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.listing import outbox_rows

    async with running(settings):
        rows = await outbox_rows(args.status)
    print_rows(
        rows, args.json, ["id", "status", "channel", "chat_id", "kind", "attempts", "last_error"]
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    outbox = sub.add_parser("outbox", help="messages on their way out").add_subparsers(
        dest="outbox_command", required=True
    )
    olist = outbox.add_parser("list", help="outbox messages, newest first (dead: gave up)")
    olist.add_argument("--status", default="dead", choices=[s.value for s in OutboxStatus])
    olist.add_argument("--json", action="store_true")
    olist.set_defaults(func=cmd_outbox_list)
