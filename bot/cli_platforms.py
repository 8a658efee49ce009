"""`webpub telegram set-webhook URL` and `webpub line quota`."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from bot.cli import _EXTENSIONS
from bot.settings import Settings

QUOTA_WARN_SHARE = 0.8  # warn the admins when 80% of the month's pushes are used


async def cmd_set_webhook(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.telegram import BOT_COMMANDS, TelegramChannel

    if not settings.telegram_enabled:
        print("WEBPUB_TELEGRAM_TOKEN is not set")
        return 2
    channel = TelegramChannel(settings)
    await channel.start()
    try:
        await channel.set_webhook(args.url, list(BOT_COMMANDS))
    finally:
        await channel.close()
    print(f"webhook set to {args.url} (secret token on, commands menu set)")
    return 0


async def cmd_line_quota(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.line import LineChannel

    if not settings.line_enabled:
        print("WEBPUB_LINE_CHANNEL_SECRET / WEBPUB_LINE_CHANNEL_ACCESS_TOKEN are not set")
        return 2
    channel = LineChannel(settings)
    await channel.start()
    try:
        kind, limit, used = await channel.quota()
    finally:
        await channel.close()
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
        print("WEBPUB_LINE_CHANNEL_SECRET / WEBPUB_LINE_CHANNEL_ACCESS_TOKEN are not set")
        return 2
    channel = LineChannel(settings)
    await channel.start()
    try:
        menu_id = await channel.install_rich_menu(menu_request(), image)
    finally:
        await channel.close()
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


_EXTENSIONS.append(register)
