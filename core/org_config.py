"""The organization file (`org.toml`): who the office is, its categories, files and reminders."""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")


class OrgConfigError(Exception):
    """The organization file is missing or wrong; the message names each bad field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organization(_Strict):
    slug: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    name_th: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    website: str = Field(pattern=r"^https?://[^/\s]+")

    @property
    def website_host(self) -> str:
        return self.website.split("://", 1)[1].split("/", 1)[0].lower()


class Unit(_Strict):
    code: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    name_th: str
    name_en: str


class Workflow(_Strict):
    check_step: bool = False
    dialog_idle_minutes: int = Field(default=120, gt=0)
    publish_merge_minutes: int = Field(default=60, ge=0)


class Files(_Strict):
    allowed_extensions: tuple[str, ...] = ("pdf", "docx", "xlsx", "jpg", "png")
    max_size_mb: float = Field(default=20, gt=0, le=2000)
    # Files with probable national ID numbers (PDPA): "warn" the owner and the approver, or
    # "refuse" them at once.
    personal_data: Literal["warn", "refuse"] = "warn"

    @field_validator("allowed_extensions", mode="before")
    @classmethod
    def _extensions(cls, value: object) -> tuple[str, ...]:
        if not isinstance(value, list | tuple) or not value:
            raise ValueError("must be a non-empty list of file extensions such as ['pdf', 'docx']")
        cleaned = []
        for item in value:
            if not isinstance(item, str) or not EXTENSION.match(item.lower().lstrip(".")):
                raise ValueError(
                    f"{item!r} is not a file extension (letters and digits, e.g. 'pdf')"
                )
            cleaned.append(item.lower().lstrip("."))
        return tuple(dict.fromkeys(cleaned))

    @property
    def max_size_bytes(self) -> int:
        return int(self.max_size_mb * 1024 * 1024)


class Reminders(_Strict):
    expiry_days: tuple[int, ...] = (7, 1)
    approval_hours: float = Field(default=24, gt=0)
    approval_urgent_hours: float = Field(default=1, gt=0)
    task_hours: float = Field(default=4, gt=0)
    task_urgent_minutes: float = Field(default=30, gt=0)
    takedown_chase_days: int = Field(default=1, gt=0)
    takedown_escalate_days: int = Field(default=3, gt=0)
    review_months: int = Field(default=12, gt=0)
    digest_time: time = time(8, 30)
    office_opens: time = time(8, 30)  # working hours count between these, on working days
    office_closes: time = time(16, 30)
    verbal_confirm_hours: float = Field(default=4, gt=0)  # working hours: the approver asked
    verbal_escalate_hours: float = Field(default=8, gt=0)  # working hours: the admins told
    digest_weekdays: tuple[int, ...] = (1, 2, 3, 4, 5)
    holidays: tuple[date, ...] = ()
    retention_days: int = Field(default=90, ge=90)

    @field_validator("expiry_days")
    @classmethod
    def _positive_days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(day <= 0 for day in value):
            raise ValueError("lead times must be positive numbers of days")
        return tuple(sorted(set(value), reverse=True))

    @field_validator("digest_weekdays")
    @classmethod
    def _weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(day < 1 or day > 7 for day in value):
            raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
        return value


class Delivery(_Strict):
    # Hours a message is retried through a platform outage before it is given up (dead);
    # at least a day, so a night-long outage loses nothing.
    retry_hours: float = Field(default=24, ge=24, le=24 * 14)


class Website(_Strict):
    """How webpub looks at the website: the publication and takedown checks and the weekly watch."""

    watch_weekday: int = Field(default=1, ge=0, le=7)  # ISO weekday of the watch; 0: never
    check_timeout_seconds: float = Field(default=10, gt=0, le=120)
    check_max_mb: float = Field(default=20, gt=0, le=500)
    recheck_minutes: int = Field(default=60, gt=0)  # a page that could not be checked, again

    @property
    def check_max_bytes(self) -> int:
        return int(self.check_max_mb * 1024 * 1024)


class Category(_Strict):
    key: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    name_th: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    end_date_required: bool = False
    default_period_days: int = Field(default=0, ge=0, le=3660)
    link_allowed: bool = False

    def name(self, locale: str) -> str:
        return self.name_th if locale == "th" else self.name_en


class OrgConfig(_Strict):
    organization: Organization
    units: tuple[Unit, ...] = ()
    workflow: Workflow = Workflow()
    files: Files = Files()
    reminders: Reminders = Reminders()
    delivery: Delivery = Delivery()
    website: Website = Website()
    categories: tuple[Category, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_keys(self) -> OrgConfig:
        keys = [c.key for c in self.categories]
        if len(keys) != len(set(keys)):
            raise ValueError("category keys must be unique")
        return self

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)


def parse_org_config(text: str, source: str = "org.toml") -> OrgConfig:
    """Parse and validate an organization file's text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OrgConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        return OrgConfig.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise OrgConfigError(f"{source} is invalid:\n  " + "\n  ".join(problems)) from None


def load_org_config(path: Path) -> OrgConfig:
    """Read the organization file, falling back to the shipped example when it is absent."""
    if not path.exists():
        example = Path(__file__).resolve().parent.parent / "org.example.toml"
        if path == Path("org.toml") and example.exists():
            path = example
        else:
            raise OrgConfigError(f"organization file {path} not found (copy org.example.toml)")
    return parse_org_config(path.read_text(encoding="utf-8"), str(path))
