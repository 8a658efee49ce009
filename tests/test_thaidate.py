"""Thai dates: what people type becomes the date they meant, and is shown back in Thai."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.thaidate import (
    EN_MONTHS_FULL,
    EN_MONTHS_SHORT,
    THAI_MONTHS_FULL,
    THAI_MONTHS_SHORT,
    DateInputError,
    add_months,
    ce_year,
    format_date,
    format_datetime,
    parse_date,
    parse_period,
)
from locales import using_locale

TODAY = date(2026, 11, 20)
LOY_KRATHONG = date(2026, 11, 25)


@pytest.mark.parametrize(
    "text",
    [
        "25/11/2569",
        "25/11/2026",
        "25-11-2569",
        "25.11.69",
        "25/11/69",
        "25 พ.ย. 69",
        "25 พ.ย. 2569",
        "25 พฤศจิกายน 2569",
        "25 Nov 2026",
        "25 November 2026",
        "November 25, 2026",
        "Nov 25 2026",
        "2026-11-25",  # LINE's date picker
        "2569-11-25",
        "๒๕/๑๑/๒๕๖๙",
        "๒๕ พ.ย. ๖๙",
        "๒๕ พฤศจิกายน ๒๕๖๙",
        "25พ.ย.69",
        "25 พ.ย.69",
        "25 พ.ย 69",
        "25 พย 69",
        "25 พฤศจิกา 69",
        "  25   พ.ย.   2569  ",
        "25 / 11 / 2569",
        "25 พ.ย. พ.ศ. 2569",
        "25 พ.ย. พ.ศ.2569",
        "วันที่ 25 พฤศจิกายน พ.ศ. 2569",
        "วันพุธที่ 25 พฤศจิกายน 2569",
        "25 พ.ย. ค.ศ. 2026",
        "25 Nov 2026 AD",
        "25 Nov 2569 B.E.",
        "25th November 2026",
        "Wednesday, November 25, 2026",
        "25 NOV 2026",
        "25\u200b พ.ย. 69",  # a zero-width space pasted from a document
    ],
)
def test_parse_date_reads_every_written_form(text):
    assert parse_date(text, TODAY) == LOY_KRATHONG


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("วันนี้", date(2026, 11, 20)),
        ("พรุ่งนี้", date(2026, 11, 21)),
        (
            "\u0e1e\u0e23\u0e48\u0e38\u0e07\u0e19\u0e35\u0e49",
            date(2026, 11, 21),
        ),  # tone mark before vowel
        ("มะรืนนี้", date(2026, 11, 22)),
        ("มะรืน", date(2026, 11, 22)),
        ("today", date(2026, 11, 20)),
        ("Tomorrow", date(2026, 11, 21)),
        (" วัน นี้ ", date(2026, 11, 20)),
    ],
)
def test_parse_date_reads_today_and_tomorrow(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/1/69", date(2026, 1, 1)),  # two digits are BE: 69 -> 2569 -> 2026
        ("1/1/70", date(2027, 1, 1)),
        ("1/1/00", date(1957, 1, 1)),  # 2500 BE
        ("1/1/ค.ศ. 26", date(2026, 1, 1)),  # two-digit CE needs its marker
        ("1/1/2400", date(1857, 1, 1)),  # 2400 and up are BE
        ("1/1/2399", date(2399, 1, 1)),  # below 2400 is CE
        ("29/02/2571", date(2028, 2, 29)),  # 2028 is a leap year
    ],
)
def test_parse_date_year_rules(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("month", range(1, 13))
def test_parse_date_knows_every_month_name(month):
    for name in (
        THAI_MONTHS_SHORT[month - 1],
        THAI_MONTHS_SHORT[month - 1].replace(".", ""),
        THAI_MONTHS_FULL[month - 1],
        EN_MONTHS_SHORT[month - 1],
        EN_MONTHS_FULL[month - 1],
    ):
        assert parse_date(f"1 {name} 2569", TODAY) == date(2026, month, 1), name


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("25/11", TODAY, date(2026, 11, 25)),
        ("25 พ.ย.", TODAY, date(2026, 11, 25)),
        ("Nov 25", TODAY, date(2026, 11, 25)),
        ("20/11", TODAY, date(2026, 11, 20)),  # today itself counts
        ("19/11", TODAY, date(2027, 11, 19)),
        ("5/1", date(2026, 12, 30), date(2027, 1, 5)),
        ("5 ม.ค.", date(2026, 12, 30), date(2027, 1, 5)),
        ("31/12", date(2026, 12, 30), date(2026, 12, 31)),
        ("29/2", date(2026, 3, 1), date(2028, 2, 29)),  # waits for the leap year
    ],
)
def test_parse_date_without_a_year_is_the_next_occurrence(text, today, expected):
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2569",
        "29/02/2569",  # 2026 is not a leap year
        "00/01/2569",
        "32/1/2569",
        "1/13/2569",
        "1/0/2569",
        "31 เม.ย. 69",
        "31/4",
        "30/2",
        "2026-02-30",
        "25/11/พ.ศ. 2026",  # the marker says BE, the year is CE
        "1/1/0000",
    ],
)
def test_parse_date_refuses_impossible_dates(text):
    with using_locale("en"), pytest.raises(DateInputError) as refused:
        parse_date(text, TODAY)
    assert refused.value.message == f"{text.strip()} is not a real date."
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "ใช่",
        "25",
        "2569",
        "Nov 2026",
        "25/11/256",
        "25/11/25690",
        "25/11/2569/1",
        "25 พ.ย. 2569 พ.ศ. ค.ศ.",
        "เมื่อวาน",
        "next week",
        "๒๕ ตุลาคมม ๖๙",
    ],
)
def test_parse_date_refuses_garbage_with_examples(text):
    with using_locale("en"), pytest.raises(DateInputError) as refused:
        parse_date(text, TODAY)
    assert refused.value.message == "Please give a date such as 25/11/2569, 25 Nov 2026 or today."


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2299, 12, 31)))
def test_parse_date_reads_back_what_format_date_writes(day):
    assert parse_date(format_date(day, "th"), TODAY) == day
    assert parse_date(format_date(day, "en"), TODAY) == day
    assert parse_date(day.isoformat(), TODAY) == day


def test_ce_year_follows_the_documented_rules():
    assert ce_year("2569") == 2026
    assert ce_year("2026") == 2026
    assert ce_year("69") == 2026
    assert ce_year("26", era="ce") == 2026
    with pytest.raises(ValueError):
        ce_year("2026", era="be")


def test_format_date_in_thai_and_english():
    assert format_date(LOY_KRATHONG, "th") == "25 พ.ย. 2569"
    assert format_date(LOY_KRATHONG, "en") == "25 Nov 2026"
    assert format_date(date(2027, 1, 1)) == "1 ม.ค. 2570"
    assert format_date(None) == "-"


def test_format_datetime_in_thai_and_english():
    moment = datetime(2026, 11, 25, 14, 5)
    assert format_datetime(moment, "th") == "25 พ.ย. 2569 14:05 น."
    assert format_datetime(moment, "en") == "25 Nov 2026 14:05"
    assert format_datetime(None) == "-"


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ("30 วัน", date(2026, 12, 1), date(2026, 12, 31)),
        ("30 days", date(2026, 12, 1), date(2026, 12, 31)),
        ("1 day", date(2026, 12, 31), date(2027, 1, 1)),
        ("๓๐ วัน", date(2026, 12, 1), date(2026, 12, 31)),
        ("30วัน", date(2026, 12, 1), date(2026, 12, 31)),
        ("2 สัปดาห์", date(2026, 12, 1), date(2026, 12, 15)),
        ("2 weeks", date(2026, 12, 1), date(2026, 12, 15)),
        ("3 เดือน", LOY_KRATHONG, date(2027, 2, 25)),
        ("3 months", LOY_KRATHONG, date(2027, 2, 25)),
        ("1 month", date(2027, 1, 31), date(2027, 2, 28)),  # clamps to the month's end
        ("1 เดือน", date(2028, 1, 31), date(2028, 2, 29)),
        ("3 months", date(2026, 11, 30), date(2027, 2, 28)),
        ("1 ปี", LOY_KRATHONG, date(2027, 11, 25)),
        ("1 year", LOY_KRATHONG, date(2027, 11, 25)),
        ("2 Years", LOY_KRATHONG, date(2028, 11, 25)),
        ("1 year", date(2028, 2, 29), date(2029, 2, 28)),
    ],
)
def test_parse_period_gives_the_end_date(text, start, expected):
    assert parse_period(text, start) == expected


@pytest.mark.parametrize("text", ["", "30", "วัน", "0 วัน", "-3 days", "สามเดือน", "3 fortnights"])
def test_parse_period_refuses_what_is_not_a_period(text):
    with using_locale("en"), pytest.raises(DateInputError) as refused:
        parse_period(text, LOY_KRATHONG)
    assert refused.value.message == "Please give a period such as 30 days, 3 months or 1 year."


def test_parse_period_refuses_a_period_past_the_calendar():
    with using_locale("en"), pytest.raises(DateInputError) as refused:
        parse_period("9000 ปี", LOY_KRATHONG)
    assert refused.value.message == "9000 ปี is too far ahead."


def test_add_months_crosses_the_year():
    assert add_months(date(2026, 11, 25), 2) == date(2027, 1, 25)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
