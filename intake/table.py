"""Reading a table a person sends (CSV or XLSX): a header row naming columns, then one item a row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from locales import _


class TableUnreadable(Exception):
    """The file is not a table we can read; the message is for the person, translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet numbers it: the header is row 1
    values: dict[str, Any]  # column name (lower case) -> str, date or None

    def text(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return " ".join(str(value).split())


def read_table(name: str, content: bytes) -> list[Row]:
    """The rows of a .csv (UTF-8, with or without BOM) or .xlsx file, blank rows left out."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        records = _csv_records(content)
    elif suffix == ".xlsx":
        records = _xlsx_records(content)
    else:
        raise TableUnreadable(_("{name} is neither a .csv nor an .xlsx file.").format(name=name))
    if not records:
        raise TableUnreadable(_("{name} has no header row.").format(name=name))
    header = [str(cell or "").strip().lower() for cell in records[0]]
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if all(cell in (None, "") or str(cell).strip() == "" for cell in record):
            continue
        rows.append(
            Row(number, {col: cell for col, cell in zip(header, record, strict=False) if col})
        )
    return [Row(1, {col: col for col in header if col}), *rows]


def _csv_records(content: bytes) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableUnreadable(
            _("The CSV file is not in UTF-8; please save it as CSV UTF-8.")
        ) from None
    return [list(record) for record in csv.reader(io.StringIO(text))]


def _xlsx_records(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise TableUnreadable(_("The XLSX file cannot be read as a workbook.")) from None
    try:
        sheet = book.worksheets[0]
        return [list(record) for record in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
