"""Personal data in a file before it goes public (PDPA B.E. 2562): Thai national IDs, phone numbers.

The text of PDF, DOCX, XLSX, ODT/ODS and plain-text files is read page by page (sheet by sheet);
a national ID is 13 digits whose last is the mod-11 check digit of the first twelve, written
with or without dashes or spaces, in Arabic or Thai digits, and not part of a longer number.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from html import unescape
from typing import Any

from locales import _, ngettext

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
MAX_PAGES = 500  # pages or sheets read; a longer document is checked in its first ones
MAX_TEXT = 20 * 1024 * 1024  # characters of extracted text per file
MAX_XML = 50 * 1024 * 1024  # bytes of one unpacked XML part (intake.content already refused bombs)

_SEP = r"[ \-\u00a0]?"
# 1-4-5-2-1 is how the card prints it; the digits may also run together or be spaced anyhow.
NATIONAL_ID = re.compile(rf"(?<!\d)(?<!\d[\-.])\d(?:{_SEP}\d){{12}}(?!\d)(?![\-.]\d)")
# Mobile 08x/09x/06x-xxx-xxxx (10 digits), fixed line 02-xxx-xxxx or 0xx-xxx-xxx (9 digits).
PHONE = re.compile(
    r"(?<!\d)(?<!\d[\-.])(?:\+66[ \-]?|0)"
    r"(?:[689]\d[ \-]?\d{3}[ \-]?\d{4}|2[ \-]?\d{3}[ \-]?\d{4}|[3-7]\d[ \-]?\d{3}[ \-]?\d{3})"
    r"(?!\d)(?![\-.]\d)"
)


def id_checksum_ok(digits: str) -> bool:
    """The Thai national ID's check digit: (11 - Σ dᵢ·(13-i) mod 11) mod 10 over the first 12."""
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def _id_matches(text: str) -> list[re.Match[str]]:
    return [m for m in NATIONAL_ID.finditer(text) if id_checksum_ok(re.sub(r"\D", "", m.group()))]


def national_ids(text: str) -> list[str]:
    """The probable national ID numbers in a text, as 13 plain digits."""
    return [re.sub(r"\D", "", m.group()) for m in _id_matches(text.translate(THAI_DIGITS))]


def phone_numbers(text: str) -> list[str]:
    """Thai phone numbers (mobile and fixed line), those inside a national ID left out."""
    text = text.translate(THAI_DIGITS)
    taken = [(m.start(), m.end()) for m in _id_matches(text)]
    return [
        re.sub(r"\D", "", m.group())
        for m in PHONE.finditer(text)
        if not any(start < m.end() and m.start() < end for start, end in taken)
    ]


@dataclass(frozen=True)
class PersonalData:
    """What a file holds that identifies people, and where (PDF pages or sheets, 1-based)."""

    ids: int = 0
    id_places: tuple[int, ...] = ()
    phones: int = 0
    phone_places: tuple[int, ...] = ()
    unit: str = "page"  # "page", "sheet" or "" for documents without pages

    def __bool__(self) -> bool:
        return bool(self.ids or self.phones)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ids": self.ids,
            "id_places": list(self.id_places),
            "phones": self.phones,
            "phone_places": list(self.phone_places),
            "unit": self.unit,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PersonalData:
        if not data:
            return cls()
        return cls(
            int(data.get("ids", 0)),
            tuple(data.get("id_places", ())),
            int(data.get("phones", 0)),
            tuple(data.get("phone_places", ())),
            str(data.get("unit", "page")),
        )

    def describe(self) -> str:
        """ "3 probable national ID numbers, pages 2 and 5; 1 phone number, page 1"."""
        parts = []
        if self.ids:
            count = ngettext(
                "{n} probable national ID number", "{n} probable national ID numbers", self.ids
            ).format(n=self.ids)
            parts.append(_where(count, self.id_places, self.unit))
        if self.phones:
            count = ngettext("{n} phone number", "{n} phone numbers", self.phones).format(
                n=self.phones
            )
            parts.append(_where(count, self.phone_places, self.unit))
        return "; ".join(parts)


def _where(count: str, places: tuple[int, ...], unit: str) -> str:
    if not places or not unit:
        return count
    numbers = [str(p) for p in places]
    listed = (
        numbers[0]
        if len(numbers) == 1
        else _("{first} and {last}").format(first=", ".join(numbers[:-1]), last=numbers[-1])
    )
    if unit == "sheet":
        where = ngettext("sheet {list}", "sheets {list}", len(numbers)).format(list=listed)
    else:
        where = ngettext("page {list}", "pages {list}", len(numbers)).format(list=listed)
    return f"{count}, {where}"


def find_personal_data(data: bytes, extension: str) -> PersonalData:
    """Read a file's text and count the national IDs and phone numbers in it, by page or sheet."""
    pages, unit = extract_text(data, extension)
    ids: dict[int, int] = {}
    phones: dict[int, int] = {}
    for number, text in enumerate(pages, start=1):
        if found := len(national_ids(text)):
            ids[number] = found
        if found := len(phone_numbers(text)):
            phones[number] = found
    if len(pages) <= 1:
        unit = ""
    return PersonalData(sum(ids.values()), tuple(ids), sum(phones.values()), tuple(phones), unit)


def extract_text(data: bytes, extension: str) -> tuple[list[str], str]:
    """The text of a file, a string per page (PDF) or sheet (XLSX, ODS), and that unit's name."""
    try:
        if extension == "pdf":
            return _pdf_pages(data), "page"
        if extension == "docx":
            return [_xml_text(_zip_part(data, "word/document.xml"), "w:p")], ""
        if extension == "xlsx":
            return _xlsx_sheets(data), "sheet"
        if extension in ("odt", "ods", "odp"):
            return [_xml_text(_zip_part(data, "content.xml"), "text:p")], ""
        if extension in ("txt", "csv"):
            return [_plain(data)], ""
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return [], ""  # unreadable text is no finding; intake.content judged the file itself
    return [], ""


def _pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages, total = [], 0
        for page in reader.pages[:MAX_PAGES]:
            text = page.extract_text() or ""
            total += len(text)
            pages.append(text)
            if total > MAX_TEXT:
                break
        return pages
    except (PyPdfError, ValueError, KeyError, TypeError):
        return []


def _zip_part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if archive.getinfo(name).file_size > MAX_XML:
            raise ValueError(f"{name} is too large to read")
        return archive.read(name).decode("utf-8", errors="replace")


def _xml_text(xml: str, paragraph: str) -> str:
    """The text of an XML part: paragraphs end in newlines, tags are dropped, entities read."""
    xml = re.sub(rf"</{paragraph}>", "\n", xml)
    xml = re.sub(r"<(?:w:tab|text:tab|text:s)\b[^>]*/>", " ", xml)
    return unescape(re.sub(r"<[^>]+>", "", xml))


def _xlsx_sheets(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [
            _cells_text(sheet.iter_rows(values_only=True)) for sheet in book.worksheets[:MAX_PAGES]
        ]
    finally:
        book.close()


def _cells_text(rows: Iterable[tuple[Any, ...]]) -> str:
    """A sheet as text, one line per row; whole numbers print without the ".0" of a float."""
    lines = []
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            cells.append("" if value is None else str(value))
        lines.append("\t".join(cells))
    return "\n".join(lines)


def _plain(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp874"):  # cp874: Thai Windows, what older offices save
        try:
            return data[:MAX_TEXT].decode(encoding)
        except UnicodeDecodeError:
            continue
    return data[:MAX_TEXT].decode("latin-1")
