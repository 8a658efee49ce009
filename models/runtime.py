"""What the rules of change need to know about this deployment, built once at start."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from models.org_config import OrgConfig


@dataclass(frozen=True)
class Runtime:
    org_id: int
    org: OrgConfig
    tz: ZoneInfo
    default_locale: str
    public_url: str
    data_dir: Path
    secret_key: bytes

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()


def derive_secret(explicit: str | None, data_dir: Path) -> bytes:
    """The signing key: WEBPUB_SECRET_KEY, else one kept in the data directory."""
    if explicit:
        return hashlib.sha256(explicit.encode()).digest()
    path = data_dir / "secret.key"
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()
