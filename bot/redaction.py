"""No secret in any log line: platform tokens and secrets are masked before a record is written.

The HTTP clients log every request's URL at INFO (httpx: `POST …/bot<TOKEN>/sendMessage`), so
the filter sits on their loggers, on ours, and on the root logger's handlers; logging is one
per process, so the filter is too.
"""

from __future__ import annotations

import logging
import re

MASK = "[redacted]"
# Loggers whose records may carry a URL, a header or a payload.
PROTECTED = ("httpx", "httpcore", "telegram", "linebot", "aiohttp", "urllib3", "webpub", "bot")
PROTECTED += ("handlers", "models", "scheduler", "procedure", "notices", "intake", "apscheduler")
# A Telegram bot token wherever it appears (BotFather's form: digits, a colon, 35 characters).
TELEGRAM_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}\b")
BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
SHORTEST = 6  # shorter "secrets" (test placeholders) would mask ordinary words


class Redactor(logging.Filter):
    """Masks known secret values and anything shaped like a bot token or a bearer header."""

    def __init__(self) -> None:
        super().__init__("redactor")
        self.values: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's to report, not ours
            return True
        cleaned = self.clean(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True

    def clean(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, MASK)
        text = TELEGRAM_TOKEN.sub(MASK, text)
        return BEARER.sub(lambda m: m.group(1) + MASK, text)


REDACTOR = Redactor()


def protect_logs(*values: str | None) -> Redactor:
    """Mask these values in every log record from now on; installs the filter where needed."""
    REDACTOR.values.update(v for v in values if v and len(v) >= SHORTEST)
    names = [
        name for name in list(logging.Logger.manager.loggerDict) if name.split(".")[0] in PROTECTED
    ]
    for name in {*PROTECTED, *names}:
        _install(logging.getLogger(name))
    for handler in logging.getLogger().handlers:
        _install(handler)
    return REDACTOR


def _install(target: logging.Filterer) -> None:
    if REDACTOR not in target.filters:
        target.addFilter(REDACTOR)
