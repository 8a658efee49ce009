"""The catalogs: every message the code asks for reads in Thai and in English."""

from __future__ import annotations

import ast
import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from core.thaidate import DateInputError, parse_date
from locales import CATALOG_DIR, DOMAIN, LOCALES, _, translations, using_locale

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}  # the same as `make messages` passes
FIX = "run `make messages`, translate the new entries, then `make catalogs`"

MessageId = str | tuple[str, ...]


def python_method_map() -> list[tuple[str, str]]:
    """Which files `make messages` reads, from babel.cfg."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, _options = parse_mapping_cfg(cfg, "babel.cfg")
    return method_map


def extracted_ids() -> dict[str, MessageId]:
    """The message ids in the source tree, as `make messages` extracts them, by singular."""
    found = extract_from_dir(ROOT, python_method_map(), keywords=KEYWORDS)
    return {
        (message if isinstance(message, str) else message[0]): message
        for _file, _line, message, _comments, _context in found
    }


def catalog(locale: str) -> Catalog:
    with (CATALOG_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        return read_po(po, locale=locale)


def placeholders(*texts: str) -> set[str]:
    """The `{names}` that `str.format` fills in the texts."""
    return {
        name
        for text in texts
        for _lit, name, _spec, _conv in string.Formatter().parse(text)
        if name
    }


def problem(msgid: MessageId, found: Catalog) -> str | None:
    """What is wrong with one message's translation, or None."""
    message = found.get(msgid if isinstance(msgid, str) else msgid[0])
    if message is None:
        return "missing"
    if message.fuzzy:
        return "fuzzy"
    forms = (message.string,) if isinstance(message.string, str) else message.string
    if not all(form.strip() for form in forms):
        return "not translated"
    ids = (msgid,) if isinstance(msgid, str) else msgid
    try:
        wanted, given = placeholders(*ids), placeholders(*forms)
    except ValueError as broken:
        return f"broken braces: {broken}"
    if wanted != given:
        return f"placeholders {sorted(given)} instead of {sorted(wanted)}"
    return None


def hidden_calls(source: str, where: str) -> set[str]:
    """Messages the extractor cannot see: `_("…")` inside an f-string, or `_(f"…")`."""
    tree = ast.parse(source, where)
    in_fstring = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for inner in ast.walk(node)
    }
    hidden = set()
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in KEYWORDS
            and node.args
        ):
            continue
        first = node.args[0]
        if isinstance(first, ast.JoinedStr) or (
            isinstance(first, ast.Constant) and id(node) in in_fstring
        ):
            hidden.add(f"{where}:{node.lineno}: {ast.unparse(node)}")
    return hidden


def hidden_messages() -> list[str]:
    """The hidden calls in every file `make messages` extracts from."""
    files: list[str] = []
    for _found in extract_from_dir(
        ROOT,
        python_method_map(),
        keywords=KEYWORDS,
        callback=lambda filename, _method, _options: files.append(filename),
    ):
        pass
    hidden: set[str] = set()
    for where in files:
        hidden |= hidden_calls((ROOT / where).read_text(encoding="utf-8"), where)
    return sorted(hidden)


def test_catalogs_extraction_finds_the_messages_of_every_room():
    ids = extracted_ids()
    assert "{text} is not a real date." in ids  # models/thaidate.py
    assert "Approve" in ids  # models/notices.py


def test_catalogs_no_message_hides_from_extraction():
    """`f"{_('Draft')}"` and `_(f"...")` never reach the catalogs: translate, then format."""
    hidden = hidden_messages()
    assert not hidden, f"translate first, then put the result in the f-string: {hidden}"


def test_catalogs_hidden_calls_are_spotted_and_plain_ones_are_not():
    source = (
        "a = f\"{ref or _('Draft')} · {title}\"\n"
        'b = _(f"Request {ref}")\n'
        'c = _("Request {ref}").format(ref=ref)\n'
        'd = f"{_(label)}"\n'  # an id marked with N_ elsewhere
    )
    assert hidden_calls(source, "x.py") == {
        "x.py:1: _('Draft')",
        "x.py:2: _(f'Request {ref}')",
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogs_translate_every_message_the_code_uses(locale):
    found = catalog(locale)
    problems = {
        singular: trouble
        for singular, msgid in extracted_ids().items()
        if (trouble := problem(msgid, found)) is not None
    }
    assert not problems, f"{locale} catalog: {problems}; {FIX}"


def test_catalogs_problem_catches_lost_placeholders_and_fuzzy_entries():
    found = Catalog(locale="th")
    found.add("Request {ref} was revoked.", "คำขอถูกเพิกถอนแล้ว")
    found.add("Approve", "อนุมัติ", flags=["fuzzy"])
    found.add("Reject", "")
    found.add("{text} is not a real date.", "{text ไม่ใช่วันที่")
    assert problem("Request {ref} was revoked.", found) == "placeholders [] instead of ['ref']"
    assert problem("Approve", found) == "fuzzy"
    assert problem("Reject", found) == "not translated"
    assert problem("Claim", found) == "missing"
    assert problem("{text} is not a real date.", found).startswith("broken braces")


def test_catalogs_compiled_thai_catalog_answers_in_thai():
    assert translations("th").gettext("Approve") == "อนุมัติ", f"no compiled catalog: {FIX}"
    with using_locale("th"):
        assert _("Approve") == "อนุมัติ"


def test_catalogs_compiled_catalogs_match_the_po_files():
    for locale in LOCALES:
        compiled = translations(locale)
        stale = [
            message.id
            for message in catalog(locale)
            if message.id
            and isinstance(message.id, str)
            and message.string
            and not message.fuzzy
            and compiled.gettext(message.id) != message.string
        ]
        assert not stale, f"{locale}: the .mo is older than the .po; run `make catalogs`: {stale}"


def test_catalogs_date_errors_reach_a_thai_speaker_in_thai():
    with using_locale("th"), pytest.raises(DateInputError) as refused:
        parse_date("31/02/2569", today=date(2026, 11, 25))
    assert refused.value.message == "31/02/2569 ไม่ใช่วันที่ที่มีอยู่จริง กรุณาตรวจสอบอีกครั้ง"
    with using_locale("en"), pytest.raises(DateInputError) as refused:
        parse_date("31/02/2569", today=date(2026, 11, 25))
    assert refused.value.message == "31/02/2569 is not a real date."
