"""The org file and the environment: a mistake is refused by name, never half-accepted."""

from __future__ import annotations

import os

import pytest

from bot.settings import SettingsError, load_settings
from core.org_config import OrgConfigError, parse_org_config
from tests.console import ORG_EXAMPLE, copy_database, operator

EXAMPLE = ORG_EXAMPLE.read_text(encoding="utf-8")
FIRST_CATEGORY_KEY = 'key = "general"\n'
EXTENSIONS_LINE = next(
    line for line in EXAMPLE.splitlines() if line.startswith("allowed_extensions")
)


def edited(old: str, new: str) -> str:
    """The example org file with one change (the first occurrence of `old`)."""
    assert old in EXAMPLE
    return EXAMPLE.replace(old, new, 1)


# (what is wrong, the file, the field the error must name)
MISTAKES = [
    (
        "unknown key in a category",
        edited(FIRST_CATEGORY_KEY, FIRST_CATEGORY_KEY + 'colour = "blue"\n'),
        "categories.0.colour",
    ),
    (
        "negative default period",
        edited("default_period_days = 0", "default_period_days = -30"),
        "categories.0.default_period_days",
    ),
    (
        "extensions as a string",
        edited(EXTENSIONS_LINE, 'allowed_extensions = "pdf"'),
        "files.allowed_extensions",
    ),
    (
        "extension with a space",
        edited(EXTENSIONS_LINE, 'allowed_extensions = ["pdf", ".e xe"]'),
        "files.allowed_extensions",
    ),
    ("unknown top-level key", 'colour = "blue"\n' + EXAMPLE, "colour"),
]
MISTAKE_IDS = [m[0] for m in MISTAKES]
# The command line reports what the parser reports; two kinds of mistake show it is passed on.
CLI_MISTAKES = [
    m for m in MISTAKES if m[0] in ("unknown key in a category", "extension with a space")
]


def test_org_config_example_file_parses():
    org = parse_org_config(EXAMPLE)

    assert org.organization.slug == "mukdahan"
    assert len(org.categories) == 10
    assert "pdf" in org.files.allowed_extensions


def test_org_config_extensions_are_cleaned_of_dots_and_case():
    org = parse_org_config(edited(EXTENSIONS_LINE, 'allowed_extensions = [".PDF", "docx", "pdf"]'))

    assert org.files.allowed_extensions == ("pdf", "docx")


@pytest.mark.parametrize(("mistake", "text", "field"), MISTAKES, ids=MISTAKE_IDS)
def test_org_config_mistake_is_refused_naming_the_field(mistake, text, field):
    with pytest.raises(OrgConfigError) as refused:
        parse_org_config(text, "org.toml")

    message = str(refused.value)
    assert "org.toml" in message
    assert f"{field}:" in message, message


def test_org_config_bad_extension_is_quoted_so_it_can_be_found():
    with pytest.raises(OrgConfigError, match=r"'\.e xe' is not a file extension"):
        parse_org_config(edited(EXTENSIONS_LINE, 'allowed_extensions = ["pdf", ".e xe"]'))


def test_org_config_refusal_names_every_bad_field_at_once():
    text = edited("default_period_days = 0", "default_period_days = -30")
    text = 'colour = "blue"\n' + text

    with pytest.raises(OrgConfigError) as refused:
        parse_org_config(text)

    assert "colour:" in str(refused.value)
    assert "categories.0.default_period_days:" in str(refused.value)


def test_org_config_that_is_not_toml_says_so():
    with pytest.raises(OrgConfigError, match="not valid TOML"):
        parse_org_config("[organization\nslug = ")


@pytest.mark.parametrize(
    ("mistake", "text", "field"), CLI_MISTAKES, ids=[m[0] for m in CLI_MISTAKES]
)
def test_cli_db_upgrade_with_a_bad_org_file_exits_2_naming_the_field(
    tmp_path, sqlite_template, mistake, text, field
):
    org_file = tmp_path / "org.toml"
    org_file.write_text(text, encoding="utf-8")
    migrated = copy_database(sqlite_template, tmp_path / "webpub.sqlite3")
    admin = operator(tmp_path, migrated, org_file)

    result = admin.run("db", "upgrade")

    assert result.returncode == 2
    assert field in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    """No WEBPUB_* variables and no `.env` in the working directory."""
    for name in [n for n in os.environ if n.startswith("WEBPUB_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_settings_defaults_are_the_documented_ones(clean_environment):
    settings = load_settings()

    assert settings.database_url == "sqlite://var/webpub.sqlite3"
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert (settings.locale, settings.timezone) == ("th", "Asia/Bangkok")
    assert settings.sandbox_mode  # no platform credentials


def test_settings_report_every_bad_variable_by_name_in_one_error(clean_environment, monkeypatch):
    monkeypatch.setenv("WEBPUB_PORT", "abc")
    monkeypatch.setenv("WEBPUB_LOCALE", "fr")

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert "WEBPUB_PORT" in str(refused.value)
    assert "WEBPUB_LOCALE" in str(refused.value)


def test_cli_with_bad_settings_exits_2_naming_both(tmp_path):
    admin = operator(tmp_path, tmp_path / "webpub.sqlite3", WEBPUB_PORT="abc", WEBPUB_LOCALE="fr")

    result = admin.run("audit", "verify")

    assert result.returncode == 2
    assert "WEBPUB_PORT" in result.stderr
    assert "WEBPUB_LOCALE" in result.stderr


def test_settings_line_needs_both_secret_and_token(monkeypatch):
    from bot.settings import SettingsError, load_settings

    monkeypatch.setenv("WEBPUB_LINE_CHANNEL_SECRET", "s3cret")
    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None)
    assert "WEBPUB_LINE_CHANNEL_ACCESS_TOKEN" in str(refused.value)
