"""`webpub telegram set-webhook URL`, `webpub line quota` and `webpub line richmenu`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from bot.channels import Channel
from bot.settings import Settings

LINE_MISSING = "WEBPUB_LINE_CHANNEL_SECRET / WEBPUB_LINE_CHANNEL_ACCESS_TOKEN are not set"


C = TypeVar("C", bound=Channel)


@asynccontextmanager
async def opened(channel: C) -> AsyncIterator[C]:
    """A platform client for the length of one command."""
    await channel.start()
    try:
        yield channel
    finally:
        await channel.close()


async def cmd_set_webhook(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from bot.channels.telegram import TelegramChannel
    from bot.menus import set_everyone_menus

    if not settings.telegram_enabled:
        print("WEBPUB_TELEGRAM_TOKEN is not set", file=sys.stderr)
        return 2
    async with opened(TelegramChannel(settings)) as channel:
        await channel.set_webhook(args.url)
        async with running(settings) as rt:
            menus = await set_everyone_menus(rt, {"telegram": channel})
    print(f"webhook set to {args.url} (secret token on, {menus} command menus set)")
    return 0


async def cmd_line_quota(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.line import LineChannel
    from scheduler.quota import QUOTA_WARN_SHARE

    if not settings.line_enabled:
        print(LINE_MISSING, file=sys.stderr)
        return 2
    async with opened(LineChannel(settings)) as channel:
        kind, limit, used = await channel.quota()
    left = None if limit is None else max(0, limit - used)
    data = {"type": kind, "limit": limit, "used": used, "left": left}
    if args.json:
        print(json.dumps(data))
    elif limit is None:
        print(f"LINE pushes this month: {used} used, no monthly limit")
    else:
        warning = "  (running low!)" if used >= QUOTA_WARN_SHARE * limit else ""
        print(f"LINE pushes this month: {used} of {limit} used, {left} left{warning}")
    return 0


async def cmd_line_richmenu(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.line import LineChannel
    from bot.richmenu import draw_image, menu_request

    image = draw_image()
    if args.image_out:
        await asyncio.to_thread(Path(args.image_out).write_bytes, image)
    if not settings.line_enabled:
        print(LINE_MISSING, file=sys.stderr)
        return 2
    async with opened(LineChannel(settings)) as channel:
        menu_id = await channel.install_rich_menu(menu_request(), image)
    print(f"rich menu {menu_id} created and set as the default")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    telegram = sub.add_parser("telegram", help="Telegram").add_subparsers(
        dest="tg_command", required=True
    )
    hook = telegram.add_parser("set-webhook", help="point Telegram at URL (with the secret token)")
    hook.add_argument("url")
    hook.set_defaults(func=cmd_set_webhook)
    line = sub.add_parser("line", help="LINE").add_subparsers(dest="line_command", required=True)
    quota = line.add_parser("quota", help="this month's push quota and consumption")
    quota.add_argument("--json", action="store_true")
    quota.set_defaults(func=cmd_line_quota)
    menu = line.add_parser("richmenu", help="create the rich menu (new request, my requests, help)")
    menu.add_argument("--image-out", help="also write the menu image (PNG) to this file")
    menu.set_defaults(func=cmd_line_richmenu)
