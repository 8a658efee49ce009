"""`webpub form`, `webpub export register`, `webpub report`: the paper trail an assessor asks for."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.settings import Settings


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


def register(sub: argparse._SubParsersAction) -> None:
    form = sub.add_parser("form", help="the filled request form of a request, as a PDF")
    form.add_argument("ref", help="the request's reference, e.g. WP-2569-0042")
    form.add_argument("-o", "--output", help="file to write (default REF.pdf; - for stdout)")
    form.set_defaults(func=cmd_form)
