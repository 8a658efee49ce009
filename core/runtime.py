"""What the rules of change need to know about this deployment, built once at start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.org_config import OrgConfig


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
