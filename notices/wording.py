"""Sentences said from more than one room, kept in one place so they read the same everywhere."""

from __future__ import annotations

from locales import _


def dialog_put_aside() -> str:
    """Told when an unfinished request's dialog is closed after a long pause."""
    return _(
        "Your unfinished request was put aside after a long pause. It is saved: type /status to continue it."
    )
