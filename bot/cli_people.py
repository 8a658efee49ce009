"""`webpub invite` and `webpub people`: who is enrolled, with which roles."""

from __future__ import annotations

import argparse

from bot.cli_kit import print_rows
from bot.settings import Settings
from models.enums import Role


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
            key=rt.secret_key,
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


def register(sub: argparse._SubParsersAction) -> None:
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
