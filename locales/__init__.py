"""gettext catalogs (Thai first, English second) and the per-event locale they are read in."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LOCALES = ("th", "en")
DOMAIN = "webpub"
CATALOG_DIR = Path(__file__).resolve().parent

_current: ContextVar[str] = ContextVar("webpub_locale", default="th")


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of a locale (English falls back to the message id)."""
    return gettext.translation(DOMAIN, CATALOG_DIR, languages=[locale], fallback=True)


def _(message: str) -> str:
    """Translate a message id into the locale of the event being handled."""
    return translations(_current.get()).gettext(message)


def N_(message: str) -> str:
    """Mark a message id for extraction without translating it yet."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def current_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else LOCALES[0])


@contextmanager
def using_locale(locale: str) -> Iterator[None]:
    """Speak a given locale inside a block (a notice to someone else, say)."""
    token = _current.set(locale if locale in LOCALES else LOCALES[0])
    try:
        yield
    finally:
        _current.reset(token)


def pick_locale(stored: str | None, platform_code: str | None, default: str) -> str:
    """A language: stored preference, then the platform's language code, then the default."""
    if stored in LOCALES:
        return stored
    if platform_code:
        base = platform_code.split("-")[0].split("_")[0].lower()
        if base in LOCALES:
            return base
    return default if default in LOCALES else LOCALES[0]
