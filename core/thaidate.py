"""Dates as Thai people write them: Buddhist-era years, Thai month abbreviations."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

from core.errors import Refusal
from locales import _

BE_OFFSET = 543
BE_YEAR_MIN = 2400  # a 4-digit year from here on is Buddhist era (2400 BE is 1857 CE)
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
THAI_MONTHS_FULL = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
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


class DateInputError(Refusal, ValueError):
    """A date or period a person typed that is not one; `message` is ready to show them."""


def be_year(day: date) -> int:
    return day.year + BE_OFFSET


FISCAL_YEAR_START_MONTH = 10  # the Thai government's fiscal year runs 1 October to 30 September


def fiscal_year(day: date) -> int:
    """The Thai fiscal year (Buddhist era) a day falls in: 1 Oct 2568 – 30 Sep 2569 is 2569."""
    return be_year(day) + (1 if day.month >= FISCAL_YEAR_START_MONTH else 0)


def fiscal_year_range(year_be: int) -> tuple[date, date]:
    """The first and last day of a Thai fiscal year given in the Buddhist era."""
    last_year = year_be - BE_OFFSET
    return date(last_year - 1, FISCAL_YEAR_START_MONTH, 1), date(last_year, 9, 30)


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


# --- Reading dates people type ------------------------------------------------------------

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")  # pasted Thai often carries these
# A tone mark typed before its vowel renders the same but spells differently: put it after.
TONE_BEFORE_VOWEL = re.compile("([\u0e48-\u0e4b])([\u0e31\u0e34-\u0e3a\u0e47])")
WEEKDAY_PREFIX = re.compile(
    r"^(?:วัน(?:จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัส|ศุกร์|เสาร์|อาทิตย์)?\s*ที่"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day,?)\s*"
)
ERA_MARKER = re.compile(
    r"(?P<be>พ\.?\s?ศ\.?|(?<![a-z])b\.?\s?e\.?(?![a-z]))"
    r"|(?P<ce>ค\.?\s?ศ\.?|(?<![a-z])(?:a\.?\s?d|c\.?\s?e)\.?(?![a-z]))"
)
RELATIVE_DAYS = {
    "วันนี้": 0,
    "today": 0,
    "พรุ่งนี้": 1,
    "tomorrow": 1,
    "มะรืนนี้": 2,
    "มะรืน": 2,
    "dayaftertomorrow": 2,
    "thedayaftertomorrow": 2,
}
_THAI_MONTHS_COLLOQUIAL = (
    "มกรา",
    "กุมภา",
    "มีนา",
    "เมษา",
    "พฤษภา",
    "มิถุนา",
    "กรกฎา",
    "สิงหา",
    "กันยา",
    "ตุลา",
    "พฤศจิกา",
    "ธันวา",
)
EN_MONTHS_FULL = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _month_spellings() -> dict[str, int]:
    """Every way of writing a month we read, with its number (Thai abbreviations dotted)."""
    spellings: dict[str, int] = {}
    for number, names in enumerate(
        zip(
            THAI_MONTHS_SHORT,
            THAI_MONTHS_FULL,
            _THAI_MONTHS_COLLOQUIAL,
            EN_MONTHS_SHORT,
            EN_MONTHS_FULL,
            strict=True,
        ),
        start=1,
    ):
        for name in names:
            spellings[name.casefold()] = number
    spellings["กรกฏาคม"] = spellings["กรกฏา"] = 7  # the common misspelling with ฏ
    spellings["sept"] = 9
    return spellings


MONTH_SPELLINGS = _month_spellings()
MONTHS_BY_KEY = {re.sub(r"[.\s]", "", name): number for name, number in MONTH_SPELLINGS.items()}
# Thai abbreviations match with or without their dots and with a space after a dot.
_MONTH = "|".join(
    r"\.?\s?".join(re.escape(part) for part in name.rstrip(".").split(".")) + r"\.?"
    for name in sorted(MONTH_SPELLINGS, key=len, reverse=True)
)
_DAY = r"(?P<day>\d{1,2})(?!\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4}|\d{2})"
_NUM_SEP = r"\s*[/.\-]\s*"
_NAME_SEP = r"[\s,/\-]*"
DATE_FORMS = (
    re.compile(rf"(?P<year>\d{{4}}){_NUM_SEP}(?P<month>\d{{1,2}}){_NUM_SEP}(?P<day>\d{{1,2}})"),
    re.compile(rf"(?P<day>\d{{1,2}}){_NUM_SEP}(?P<month>\d{{1,2}})(?:{_NUM_SEP}{_YEAR})?"),
    re.compile(rf"{_DAY}{_NAME_SEP}(?P<month>{_MONTH})(?:{_NAME_SEP}{_YEAR})?"),
    re.compile(rf"(?P<month>{_MONTH}){_NAME_SEP}{_DAY}(?:{_NAME_SEP}{_YEAR})?"),
)
NEXT_OCCURRENCE_YEARS = 9  # 29 February may be eight years away (2096 -> 2104)


def _normalise(text: str) -> str:
    """Text with ASCII digits, one spelling of Thai vowels and tones, lower case, single spaces."""
    text = INVISIBLE.sub("", text.translate(THAI_DIGITS))
    text = TONE_BEFORE_VOWEL.sub(r"\2\1", text).casefold()
    text = WEEKDAY_PREFIX.sub("", text.strip())
    return " ".join(text.split())


def _not_a_date() -> DateInputError:
    return DateInputError(_("Please give a date such as 25/11/2569, 25 Nov 2026 or today."))


def _not_real(text: str) -> DateInputError:
    return DateInputError(_("{text} is not a real date.").format(text=" ".join(text.split())))


def ce_year(written: str, era: str | None = None) -> int:
    """The Common Era year of a year as written: see `parse_date` for the rules.

    `era` is "be" or "ce" when the text said so (พ.ศ., ค.ศ.); a 4-digit year that
    contradicts it is a ValueError.
    """
    year = int(written)
    if len(written) == 2:
        return 2000 + year if era == "ce" else 2500 + year - BE_OFFSET
    guessed = "be" if year >= BE_YEAR_MIN else "ce"
    if era not in (None, guessed):
        raise ValueError(f"{written} is not a {era} year")
    return year - BE_OFFSET if guessed == "be" else year


def next_occurrence(day: int, month: int, today: date) -> date:
    """The first `day`/`month` on or after `today` (29 February waits for a leap year)."""
    for year in range(today.year, today.year + NEXT_OCCURRENCE_YEARS):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueError(f"no year has day {day} of month {month}")


def _era_of(text: str) -> tuple[str, str | None]:
    """The text without its era marker, and the era it named ("be", "ce" or None)."""
    eras = {"be" if found["be"] else "ce" for found in ERA_MARKER.finditer(text)}
    if len(eras) > 1:
        raise _not_a_date()
    return " ".join(ERA_MARKER.sub(" ", text).split()), next(iter(eras), None)


def _month_number(written: str) -> int:
    if written.isdigit():
        return int(written)
    return MONTHS_BY_KEY[re.sub(r"[.\s]", "", written)]


def parse_date(text: str, today: date) -> date:
    """The date a person typed or picked, in any form the design lists.

    Accepted: `25/11/2569`, `25-11-2569`, `25.11.69`, `25/11/2026`, `25 พ.ย. 69`,
    `25 พฤศจิกายน 2569`, `25 Nov 2026`, `November 25, 2026`, ISO `2026-11-25` (LINE's
    date picker), Thai digits, an optional `วันที่`/weekday in front, an optional
    พ.ศ./ค.ศ. (or B.E./A.D./C.E.) marker, and วันนี้/พรุ่งนี้/มะรืนนี้/today/tomorrow.

    Years: 4 digits from 2400 up are Buddhist era (2569 -> 2026); 4 digits below 2400
    are Common Era. 2 digits are always Buddhist era (69 -> 2569 -> 2026), because
    Thai people abbreviate the BE year; a 2-digit CE year needs ค.ศ. (`ค.ศ. 26`).
    With no year (`25/11`, `25 พ.ย.`) the date is its next occurrence on or after `today`.

    Raises DateInputError, whose `message` is translated, for text that is not a date
    and for dates that do not exist (31/02/2569, 00/01/2569, month 13).
    """
    cleaned = _normalise(text)
    relative = RELATIVE_DAYS.get(cleaned.replace(" ", ""))
    if relative is not None:
        return today + timedelta(days=relative)
    cleaned, era = _era_of(cleaned)
    for form in DATE_FORMS:
        found = form.fullmatch(cleaned)
        if found is None:
            continue
        try:
            day, month = int(found["day"]), _month_number(found["month"])
            if found["year"] is None:
                return next_occurrence(day, month, today)
            return date(ce_year(found["year"], era), month, day)
        except ValueError:
            raise _not_real(text) from None
    raise _not_a_date()


# --- Periods ("30 วัน", "3 months") ----------------------------------------------------------

PERIOD = re.compile(r"(?P<count>\d+)\s*(?P<unit>[^\d\s]+)")
PERIOD_UNITS = {
    "วัน": "days",
    "day": "days",
    "days": "days",
    "สัปดาห์": "weeks",
    "อาทิตย์": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "เดือน": "months",
    "month": "months",
    "months": "months",
    "ปี": "years",
    "year": "years",
    "years": "years",
}


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def parse_period(text: str, start: date) -> date:
    """The day a period typed as `30 วัน`, `2 weeks`, `3 เดือน` or `1 year` ends, from `start`.

    The end is `start` plus the period (30 days from 1 Dec is 31 Dec); months and years
    keep the day of the month, or clamp to the month's last day (31 Jan + 1 month is
    28/29 Feb). Raises DateInputError for anything else, or for a period of zero.
    """
    found = PERIOD.fullmatch(_normalise(text))
    unit = PERIOD_UNITS.get(found["unit"]) if found else None
    count = int(found["count"]) if found else 0
    if unit is None or count < 1:
        raise DateInputError(_("Please give a period such as 30 days, 3 months or 1 year."))
    try:
        if unit == "days":
            return start + timedelta(days=count)
        if unit == "weeks":
            return start + timedelta(weeks=count)
        return add_months(start, count * 12 if unit == "years" else count)
    except (ValueError, OverflowError):
        raise DateInputError(_("{text} is too far ahead.").format(text=text.strip())) from None
