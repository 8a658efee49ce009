"""`webpub form`, `webpub export register`, `webpub report`: the paper trail an assessor asks for."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from core.runtime import Runtime
    from records.register import Period


def _write(data: bytes, output: str | None, default: str) -> None:
    """Write a document to the named file, `-` for standard output, or the default name."""
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    path = Path(output or default)
    path.write_bytes(data)
    print(f"wrote {path} ({len(data):,} bytes)", file=sys.stderr)


async def cmd_form(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from locales import using_locale
    from records.form import form_pdf

    async with running(settings) as rt:
        with using_locale(rt.default_locale):
            made = await form_pdf(rt, args.ref, datetime.now(UTC), via="cli")
    if made is None:
        print(f"no request {args.ref}", file=sys.stderr)
        return 1
    req, pdf = made
    _write(pdf, args.output, f"{req.ref}.pdf")
    return 0


def _period(rt: Runtime, args: argparse.Namespace, now: datetime) -> tuple[Period, int | None]:
    """The period asked for: --from/--until, else the fiscal year (this one by default)."""
    from core.thaidate import fiscal_year, fiscal_year_range, parse_date
    from records.register import Period

    today = rt.today(now)
    if args.date_from or args.date_until:
        start = parse_date(args.date_from, today) if args.date_from else date.min
        end = parse_date(args.date_until, today) if args.date_until else today
        return Period(start, end), None
    year = args.fiscal_year or fiscal_year(today)
    return Period(*fiscal_year_range(year)), year


async def cmd_export_register(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from core.thaidate import DateInputError
    from locales import using_locale
    from records.register import register_csv, register_rows, register_title, register_xlsx

    async with running(settings) as rt:
        with using_locale(rt.default_locale):
            try:
                period, year = _period(rt, args, datetime.now(UTC))
            except DateInputError as exc:
                print(f"webpub: {exc}", file=sys.stderr)
                return 2
            rows = await register_rows(rt, period)
            if args.format == "csv":
                data = register_csv(rows)
            else:
                data = register_xlsx(rows, register_title(rt, period, year))
    name = f"register-{year}" if year else f"register-{period.start}-{period.end}"
    _write(data, args.output, f"{name}.{args.format}")
    print(f"{len(rows)} requests", file=sys.stderr)
    return 0


async def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.boot import running
    from core.thaidate import fiscal_year
    from locales import using_locale
    from records.report import report_pdf

    now = datetime.now(UTC)
    async with running(settings) as rt:
        year = args.fiscal_year or fiscal_year(rt.today(now))
        with using_locale(rt.default_locale):
            pdf = await report_pdf(rt, year, now)
    _write(pdf, args.output, f"report-{year}.pdf")
    return 0


def _period_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fiscal-year",
        type=int,
        metavar="YEAR",
        help="Buddhist-era fiscal year (default: this one)",
    )
    parser.add_argument("--from", dest="date_from", metavar="DATE", help="first day instead")
    parser.add_argument("--until", dest="date_until", metavar="DATE", help="last day instead")
    parser.add_argument("-o", "--output", help="file to write (- for stdout)")


def register(sub: argparse._SubParsersAction) -> None:
    form = sub.add_parser("form", help="the filled request form of a request, as a PDF")
    form.add_argument("ref", help="the request's reference, e.g. WP-2569-0042")
    form.add_argument("-o", "--output", help="file to write (default REF.pdf; - for stdout)")
    form.set_defaults(func=cmd_form)

    export = sub.add_parser("export", help="records for the assessment").add_subparsers(
        dest="export_command", required=True
    )
    reg = export.add_parser("register", help="the register: one row per request of a period")
    _period_arguments(reg)
    reg.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    reg.set_defaults(func=cmd_export_register)

    report = sub.add_parser("report", help="the yearly report for the assessment, as a PDF")
    report.add_argument(
        "--fiscal-year",
        type=int,
        metavar="YEAR",
        help="Buddhist-era fiscal year (default: this one)",
    )
    report.add_argument(
        "-o", "--output", help="file to write (default report-YEAR.pdf; - for stdout)"
    )
    report.set_defaults(func=cmd_report)
