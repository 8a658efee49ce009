"""Dates as Thai people write them: Buddhist-era years, Thai month abbreviations."""

from __future__ import annotations

from datetime import date, datetime

BE_OFFSET = 543
THAI_MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
EN_MONTHS_SHORT = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def be_year(day: date) -> int:
    return day.year + BE_OFFSET


def format_date(day: date | None, locale: str = "th") -> str:
    """`25 พ.ย. 2569` in Thai, `25 Nov 2026` in English, `-` for no date."""
    if day is None:
        return "-"
    if locale == "th":
        return f"{day.day} {THAI_MONTHS_SHORT[day.month - 1]} {be_year(day)}"
    return f"{day.day} {EN_MONTHS_SHORT[day.month - 1]} {day.year}"


def format_datetime(moment: datetime | None, locale: str = "th") -> str:
    """`25 พ.ย. 2569 14:05 น.` in Thai, `25 Nov 2026 14:05` in English (in the moment's zone)."""
    if moment is None:
        return "-"
    clock = moment.strftime("%H:%M")
    suffix = " น." if locale == "th" else ""
    return f"{format_date(moment.date(), locale)} {clock}{suffix}"
