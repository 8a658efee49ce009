"""`webpub invite` and `webpub people`: who is enrolled, with which roles."""

from __future__ import annotations

import argparse
import sys

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
    print_rows(rows, args.json, ["id", "name", "unit", "roles", "platforms", "active"])
    return 0


async def _change_person(settings: Settings, args: argparse.Namespace, change) -> int:
    """Find the person, make the change, say what it handed on; a refusal exits 1."""
    from datetime import UTC, datetime

    from bot.boot import running
    from core.errors import Refusal
    from locales import using_locale
    from procedure.people import find_person_any

    async with running(settings) as rt:
        with using_locale(settings.locale):
            try:
                person = await find_person_any(rt.org_id, args.person)
                message = await change(rt, person, datetime.now(UTC))
            except Refusal as refusal:
                print(f"webpub: {refusal.message}", file=sys.stderr)
                return 1
    print(message)
    return 0


def _handed(handed) -> str:
    parts = []
    if handed.tasks:
        parts.append("tasks open again: " + ", ".join(handed.tasks))
    if handed.decisions:
        parts.append("decisions sent on: " + ", ".join(handed.decisions))
    if handed.stuck:
        parts.append("nobody may decide now: " + ", ".join(handed.stuck))
    return "; ".join(parts)


async def cmd_people_deactivate(settings: Settings, args: argparse.Namespace) -> int:
    from procedure.people import deactivate

    async def change(rt, person, now) -> str:
        handed = await deactivate(rt, person, None, now)
        return f"{person.name} ({person.id}) deactivated" + (
            f"; {_handed(handed)}" if _handed(handed) else ""
        )

    return await _change_person(settings, args, change)


async def cmd_people_activate(settings: Settings, args: argparse.Namespace) -> int:
    from procedure.people import activate

    async def change(rt, person, now) -> str:
        await activate(rt, person, None, now)
        return f"{person.name} ({person.id}) active again"

    return await _change_person(settings, args, change)


async def cmd_people_roles(settings: Settings, args: argparse.Namespace) -> int:
    from models.directory import roles_of
    from procedure.people import change_roles

    async def change(rt, person, now) -> str:
        add = {Role(r) for r in args.add or ()}
        remove = {Role(r) for r in args.remove or ()}
        handed = await change_roles(rt, person, add, remove, None, now)
        roles = sorted(r.value for r in await roles_of(person.id)) or ["(deactivated)"]
        text = f"{person.name} ({person.id}): {','.join(roles)}"
        return text + (f"; {_handed(handed)}" if _handed(handed) else "")

    return await _change_person(settings, args, change)


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
    for name, func, text in (
        ("deactivate", cmd_people_deactivate, "stop a person acting; their work is handed on"),
        ("activate", cmd_people_activate, "let a deactivated person act again"),
    ):
        one = people.add_parser(name, help=text)
        one.add_argument("person", metavar="NAME_OR_ID")
        one.set_defaults(func=func)
    roles = people.add_parser("roles", help="add or remove roles (staff is everyone's)")
    roles.add_argument("person", metavar="NAME_OR_ID")
    choices = [r.value for r in Role]
    roles.add_argument("--add", action="append", choices=choices, metavar="ROLE")
    roles.add_argument("--remove", action="append", choices=choices, metavar="ROLE")
    roles.set_defaults(func=cmd_people_roles)
