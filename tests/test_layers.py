"""The rooms' contract (pyproject.toml, [tool.importlinter]): layers, SDKs kept at the edge, no cycles.

The same checker runs on the real tree, where every contract must hold, and on a copy of the
tree with one forbidden import planted, where the contract it breaks must say so.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("bot", "handlers", "scheduler", "procedure", "records", "notices", "models", "intake")
ROOMS += ("website", "core", "locales")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_layers_every_room_keeps_the_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "broken"),
    [
        ("models/enums.py", "import bot.keys\n", "A room imports only the rooms below it"),
        ("handlers/submit_kit.py", "import scheduler\n", "A room imports only the rooms below it"),
        ("handlers/base.py", "import telegram\n", "Only bot.channels speaks to the platforms"),
        ("bot/webhooks.py", "import linebot\n", "Only bot.channels speaks to the platforms"),
        ("website/__init__.py", "import notices\n", "A room imports only the rooms below it"),
        ("handlers/common.py", "from tortoise import expressions\n", "import no ORM"),
        ("handlers/submit_kit.py", "import handlers.submit\n", "No import cycles"),
    ],
)
def test_layers_a_forbidden_import_breaks_the_contract(tmp_path, module, planted, broken):
    for room in ROOMS:
        shutil.copytree(ROOT / room, tmp_path / room, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + "\n" + planted)
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout, result.stdout


# -- transactions: one way in ---------------------------------------------------------------
# A savepoint opened around models.db.atomic's back would roll back rows while the work that
# atomic queued for the commit (the audit chain's appends) stayed queued.

TRANSACTIONS_AT = Path("models/db.py")  # the only module that opens tortoise transactions


def raw_transactions(tree: Path) -> list[str]:
    """Modules of the rooms that import tortoise's transactions themselves."""
    found = []
    for room in ROOMS:
        for path in sorted((tree / room).rglob("*.py")):
            if path.relative_to(tree) == TRANSACTIONS_AT:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                if any(n == "tortoise.transactions" for n in names):
                    found.append(str(path.relative_to(tree)))
    return found


def test_layers_transactions_are_opened_only_through_atomic():
    assert raw_transactions(ROOT) == []


def test_layers_a_raw_transaction_is_found(tmp_path):
    for room in ROOMS:
        shutil.copytree(ROOT / room, tmp_path / room, ignore=shutil.ignore_patterns("__pycache__"))
    planted = tmp_path / "procedure" / "verbal.py"
    planted.write_text(planted.read_text() + "\nfrom tortoise.transactions import in_transaction\n")

    assert raw_transactions(tmp_path) == ["procedure/verbal.py"]
