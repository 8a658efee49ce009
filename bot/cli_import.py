"""`webpub import items FILE.csv|FILE.xlsx [--dry-run] [--json]`: what was online before webpub, under its watch."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.settings import Settings


async def cmd_import_items(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from intake.table import TableUnreadable, read_table
    from locales import _, using_locale
    from procedure.imports import import_items, plan_import
    from procedure.website import check_pages

    path = Path(args.file)
    async with running(settings) as rt:
        with using_locale(rt.default_locale):
            try:
                rows = read_table(path.name, await asyncio.to_thread(path.read_bytes))
            except OSError as exc:
                print(
                    _("Cannot read {name}: {error}").format(name=path, error=exc.strerror),
                    file=sys.stderr,
                )
                return 1
            except TableUnreadable as exc:
                print(exc.message, file=sys.stderr)
                return 1
            now = datetime.now(UTC)
            plan = await plan_import(rt, rows, rt.today(now))
            report = {"rows": len(rows) - 1, "ready": len(plan.items), "problems": plan.problems}
            if args.dry_run:
                summary = _(
                    "Dry run: {ready} of {rows} rows are ready to import; nothing was imported."
                ).format(**report)
                _print(args, report, summary)
                return 1 if plan.problems else 0
            made = await import_items(rt, plan, now)
            checked = 0
            while (done := await check_pages(rt, now)) > 0:  # the look at each page, once
                checked += done
            report.update(imported=len(made), checked=checked)
            summary = _("Imported {n} items, now under watch; their pages were checked.").format(
                n=len(made)
            )
            if plan.problems:
                summary += " " + _(
                    "The rows listed above were not imported: correct them and import them again."
                )
            _print(args, report, summary)
    return 1 if plan.problems else 0


def _print(args: argparse.Namespace, report: dict, summary: str) -> None:
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for line in report["problems"]:
        print(line)
    print(summary)


def register(sub: argparse._SubParsersAction) -> None:
    imports = sub.add_parser(
        "import", help="bring items already on the website under watch"
    ).add_subparsers(dest="import_command", required=True)
    items = imports.add_parser(
        "items",
        help="a CSV or XLSX with the columns title, category, url, published_date, end_date, owner",
    )
    items.add_argument("file")
    items.add_argument("--dry-run", action="store_true", help="check every row, import nothing")
    items.add_argument("--json", action="store_true")
    items.set_defaults(func=cmd_import_items)
