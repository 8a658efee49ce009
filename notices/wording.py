"""Sentences said from more than one room, kept in one place so they read the same everywhere."""

from __future__ import annotations

from locales import N_, _


def dialog_put_aside() -> str:
    """Told when an unfinished request's dialog is closed after a long pause."""
    return _(
        "Your unfinished request was put aside after a long pause. It is saved: type /status to continue it."
    )


# The announcement's reasons for not approving (2.2.3), and the one its 2.2 implies; a
# decision stores the code and its org-language text, each reader sees it in their own.
REJECT_REASONS = (
    ("mission", N_("Not related to the agency's mission")),
    ("file_format", N_("File format not allowed")),
    ("not_current", N_("Not current, correct or complete")),
)


def reason_text(code: str, typed: str) -> str:
    """A reason in the current locale: a known code's label, else the words typed."""
    label = dict(REJECT_REASONS).get(code)
    return _(label) if label else (typed or "-")
