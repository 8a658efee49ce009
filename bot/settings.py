"""Settings: one frozen object built once from WEBPUB_* variables and `.env`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """Raised when one or more settings are missing or malformed; names every field."""


class Settings(BaseSettings):
    """Everything the process reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="WEBPUB_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    database_url: str = "sqlite://var/webpub.sqlite3"
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8080"
    locale: str = "th"
    timezone: str = "Asia/Bangkok"
    org_file: Path = Path("org.toml")

    line_channel_secret: str | None = None
    line_channel_access_token: str | None = None
    line_api_url: str = "https://api.line.me"
    line_data_api_url: str = "https://api-data.line.me"

    telegram_token: str | None = None
    telegram_secret_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"

    sandbox: bool | None = None
    # The sandbox lets anyone act as anyone: it listens beyond loopback only when this says so.
    sandbox_remote: bool = False
    # Key for signed download links and button payloads; derived from the data dir when unset.
    secret_key: str | None = None

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in ("th", "en"):
            raise ValueError("must be 'th' or 'en'")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("line_api_url", "line_data_api_url", "public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _line_needs_both(self) -> Settings:
        if bool(self.line_channel_secret) != bool(self.line_channel_access_token):
            missing = "access_token" if self.line_channel_secret else "secret"
            raise ValueError(
                f"WEBPUB_LINE_CHANNEL_{missing.upper()} is needed too: LINE takes both the "
                "channel secret and the channel access token"
            )
        return self

    @property
    def line_enabled(self) -> bool:
        return bool(self.line_channel_secret and self.line_channel_access_token)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_token)

    @property
    def sandbox_mode(self) -> bool:
        if self.sandbox is not None:
            return self.sandbox
        return not (self.line_enabled or self.telegram_enabled)


def load_settings(**overrides: object) -> Settings:
    """Build the settings, reporting every bad variable by name in one error."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [
            f"WEBPUB_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            if err["loc"]
            else err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        ]
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from None
