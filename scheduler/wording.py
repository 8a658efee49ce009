"""How reminders say things: lists of items, how long something waited, short references."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from locales import _, ngettext
from models.request import Request

LISTED_MAX = 15  # lines per list; a reminder stays well under Telegram's 4096 characters
BUTTON_ITEMS = 4  # items that get their own buttons; 3 buttons each fits LINE's 13 quick replies
TITLE_MAX = 60


def short_ref(ref: str | None) -> str:
    """`2569-0042` for `WP-2569-0042`: fits a button label (LINE: 20 characters)."""
    return (ref or "-").removeprefix("WP-")


def title_of(req: Request) -> str:
    title = " ".join(req.title.split())
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def item_line(req: Request, tail: str = "") -> str:
    """`• WP-2569-0042 Job posting: ends 5 Jan 2027`."""
    urgent = " " + _("[URGENT]") if req.urgent else ""
    head = f"• {req.ref or '-'} {title_of(req)}{urgent}"
    return f"{head}: {tail}" if tail else head


def bullet_list(lines: Sequence[str], limit: int = LISTED_MAX) -> str:
    """The lines, cut after `limit` with a count of the rest."""
    shown = list(lines[:limit])
    rest = len(lines) - len(shown)
    if rest > 0:
        shown.append(ngettext("…and {n} more", "…and {n} more", rest).format(n=rest))
    return "\n".join(shown)


def duration(delta: timedelta) -> str:
    """`2 days 4 hours`, `5 hours`, `45 minutes`: how long something has waited."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        text = ngettext("{n} day", "{n} days", days).format(n=days)
        if hours:
            text += " " + ngettext("{n} hour", "{n} hours", hours).format(n=hours)
        return text
    if hours:
        return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


def days_left(n: int) -> str:
    if n <= 0:
        return _("today")
    if n == 1:
        return _("tomorrow")
    return ngettext("in {n} day", "in {n} days", n).format(n=n)


def days_ago(n: int) -> str:
    if n <= 0:
        return _("today")
    return ngettext("{n} day ago", "{n} days ago", n).format(n=n)


def section(heading: str, lines: Sequence[str]) -> str:
    """A heading with a count and its bullet list, or nothing when there are no lines."""
    if not lines:
        return ""
    return f"{heading} ({len(lines)}):\n{bullet_list(lines)}"


def join_parts(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)
