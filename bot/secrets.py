"""Secrets kept in the data directory: written once, atomically, readable by the owner only."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from bot.settings import SettingsError

KEY_FILE = "secret.key"  # signs file links, button payloads and code hashes
TELEGRAM_SECRET_FILE = "telegram-webhook.secret"  # the webhook's X-Telegram-Bot-Api-Secret-Token
KEY_BYTES = 32
KEY_MIN = 32  # a shorter key file is a damaged one (an interrupted first write)
TELEGRAM_SECRET_MIN = 32  # Telegram allows 1-256 characters; ours are 43


def signing_key_file(data_dir: Path) -> bytes:
    """The key in data_dir/secret.key, made on first use; a short or empty one stops the start."""
    path = Path(data_dir) / KEY_FILE
    key = _kept(path, lambda: secrets.token_bytes(KEY_BYTES))
    if len(key) < KEY_MIN:
        raise SettingsError(
            f"{path} holds {len(key)} bytes, fewer than the {KEY_MIN} a signing key needs "
            "(perhaps its first write was interrupted). Restore it from a backup, or delete it "
            "to make a new one: links and buttons already sent stop working then."
        )
    return key


def telegram_webhook_secret(data_dir: Path) -> str:
    """The secret Telegram echoes on every webhook call when none is configured: random, kept."""
    path = Path(data_dir) / TELEGRAM_SECRET_FILE
    value = _kept(path, lambda: secrets.token_urlsafe(KEY_BYTES).encode()).decode().strip()
    if len(value) < TELEGRAM_SECRET_MIN:
        raise SettingsError(
            f"{path} holds a secret of {len(value)} characters, fewer than {TELEGRAM_SECRET_MIN}. "
            "Delete it to make a new one, then run `webpub telegram set-webhook URL` again."
        )
    return value


def _kept(path: Path, make) -> bytes:
    """The file's bytes; when it does not exist, new bytes written whole or not at all."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(make())
                out.flush()
                os.fsync(out.fileno())
            # link, not replace: of two processes starting at once, the first one's key stays
            with contextlib.suppress(FileExistsError):
                os.link(temp, path)
        finally:
            Path(temp).unlink(missing_ok=True)
    return path.read_bytes()
