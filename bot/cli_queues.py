"""`webpub outbox` and `webpub inbox`: what waits and why, and putting rows back in the queue."""

from __future__ import annotations

import argparse

from bot.cli_kit import print_rows
from bot.settings import Settings
from models.enums import InboxStatus, OutboxStatus

OUTBOX_COLUMNS = ["id", "status", "channel", "chat_id", "kind", "attempts", "maybe_sent"]
INBOX_COLUMNS = ["id", "status", "channel", "event_id", "attempts", "next_attempt_at", "error"]


async def cmd_outbox_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.queues import outbox_rows

    async with running(settings):
        rows = await outbox_rows(args.status)
    print_rows(rows, args.json, [*OUTBOX_COLUMNS, "next_attempt_at", "last_error"])
    return 0


async def cmd_outbox_retry(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.queues import retry_outbox

    if not args.dead and not args.id:
        print("webpub outbox retry: give --dead, or --id N")
        return 2
    async with running(settings):
        count = await retry_outbox(dead=args.dead, ids=args.id or [])
    print(f"{count} message(s) back in the queue")
    return 0


async def cmd_outbox_drop(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.queues import drop_outbox

    async with running(settings):
        count = await drop_outbox(args.id)
    print(f"{count} message(s) dropped")
    return 0


async def cmd_inbox_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.queues import inbox_rows

    async with running(settings):
        rows = await inbox_rows(args.status)
    print_rows(rows, args.json, INBOX_COLUMNS)
    return 0


async def cmd_inbox_retry(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.queues import retry_inbox

    if not args.failed and not args.id:
        print("webpub inbox retry: give --failed, or --id N")
        return 2
    async with running(settings):
        count = await retry_inbox(failed=args.failed, ids=args.id or [])
    print(f"{count} event(s) back in the queue")
    return 0


async def cmd_inbox_drop(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from records.queues import drop_inbox

    async with running(settings):
        count = await drop_inbox(args.id)
    print(f"{count} event(s) dropped")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    outbox = sub.add_parser("outbox", help="messages on their way out").add_subparsers(
        dest="outbox_command", required=True
    )
    olist = outbox.add_parser("list", help="outbox messages, newest first (dead: gave up)")
    olist.add_argument(
        "--status", default="dead", choices=["waiting", *(s.value for s in OutboxStatus)]
    )
    olist.add_argument("--json", action="store_true")
    olist.set_defaults(func=cmd_outbox_list)
    oretry = outbox.add_parser("retry", help="put dead messages back in the queue")
    oretry.add_argument("--dead", action="store_true", help="every dead message")
    oretry.add_argument("--id", type=int, action="append", help="this message (repeatable)")
    oretry.set_defaults(func=cmd_outbox_retry)
    odrop = outbox.add_parser("drop", help="give up on messages for good")
    odrop.add_argument("--id", type=int, action="append", required=True)
    odrop.set_defaults(func=cmd_outbox_drop)

    inbox = sub.add_parser("inbox", help="webhook events waiting or set aside").add_subparsers(
        dest="inbox_command", required=True
    )
    ilist = inbox.add_parser("list", help="inbox events, newest first (failed: set aside)")
    ilist.add_argument(
        "--status", default="failed", choices=["waiting", *(s.value for s in InboxStatus)]
    )
    ilist.add_argument("--json", action="store_true")
    ilist.set_defaults(func=cmd_inbox_list)
    iretry = inbox.add_parser("retry", help="handle failed events again")
    iretry.add_argument("--failed", action="store_true", help="every failed event")
    iretry.add_argument("--id", type=int, action="append", help="this event (repeatable)")
    iretry.set_defaults(func=cmd_inbox_retry)
    idrop = inbox.add_parser("drop", help="give up on events for good")
    idrop.add_argument("--id", type=int, action="append", required=True)
    idrop.set_defaults(func=cmd_inbox_drop)
