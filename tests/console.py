"""The real `webpub` console script, run as an operator runs it, with only the test's settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEBPUB = Path(sys.executable).parent / "webpub"
ORG_EXAMPLE = ROOT / "org.example.toml"


@dataclass(frozen=True)
class Operator:
    """Someone at a shell in a directory of their own, with a database, an org file, a data dir."""

    home: Path
    database: Path
    env: dict[str, str]

    @property
    def database_url(self) -> str:
        return f"sqlite://{self.database}"

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """`webpub ARGS…`, waited for; the home directory has no `.env` to read."""
        return run_webpub(self.home, self.env, *args, timeout=timeout)

    def command(self, *args: str) -> list[str]:
        return [str(WEBPUB), *args]


def run_webpub(
    home: Path, env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`webpub ARGS…` run in `home` with exactly the environment given, waited for."""
    return subprocess.run(
        [str(WEBPUB), *args],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def settings_env(**settings: str) -> dict[str, str]:
    """The process environment without any WEBPUB_* of ours, plus the test's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBPUB_")}
    env.update(settings)
    return env


def operator(home: Path, database: Path, org_file: Path = ORG_EXAMPLE, **extra: str) -> Operator:
    """An operator whose environment sets nothing of ours but what the test gives."""
    env = settings_env(
        WEBPUB_DATABASE_URL=f"sqlite://{database}",
        WEBPUB_ORG_FILE=str(org_file),
        WEBPUB_DATA_DIR=str(home / "data"),
        **extra,
    )
    return Operator(home, database, env)


def copy_database(source: Path, target: Path) -> Path:
    """A copy of a SQLite database with its write-ahead log, if one is left."""
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
    return target
