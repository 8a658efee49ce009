"""What the command groups of `webpub` share: printing rows as a table or as JSON."""

from __future__ import annotations

import json
from typing import Any


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Rows as a plain, aligned text table."""
    if not rows:
        return "(none)"
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines.append("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        lines.append("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))
    return "\n".join(lines)


def print_rows(data: Any, as_json: bool, columns: list[str] | None = None) -> None:
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif columns is not None:
        print(_table(data, columns))
    else:
        print(data)
