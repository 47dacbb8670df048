"""Partial dates as text (claims/dates.py): plain functions, tested directly."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.choices import DatePrecision
from claims.dates import format_partial_date, partial_date_span, period_display

LEAP_DAY = dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("precision", "text", "span"),
    [
        (DatePrecision.DAY, "2024-02-29", ("2024-02-29", "2024-02-29")),
        (DatePrecision.MONTH, "2024-02", ("2024-02-01", "2024-02-29")),
        (DatePrecision.YEAR, "2024", ("2024-01-01", "2024-12-31")),
        (DatePrecision.UNKNOWN, "", ("", "")),
    ],
)
def test_a_date_reads_and_spans_only_as_far_as_its_precision(precision, text, span):
    assert format_partial_date(LEAP_DAY, precision) == text
    # The ISO text a database column holds reads the same as the date.
    assert format_partial_date(LEAP_DAY.isoformat(), precision) == text
    assert partial_date_span(LEAP_DAY, precision) == span


def test_a_missing_date_is_blank_whatever_its_precision():
    assert format_partial_date(None, DatePrecision.DAY) == ""
    assert partial_date_span(None, DatePrecision.YEAR) == ("", "")


def test_february_of_a_common_year_ends_on_the_28th():
    assert partial_date_span(dt.date(2023, 2, 10), DatePrecision.MONTH) == (
        "2023-02-01",
        "2023-02-28",
    )


@given(
    day=st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    precision=st.sampled_from([DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR]),
)
def test_the_span_of_a_partial_date_holds_the_date_and_starts_with_its_text(day, precision):
    text = format_partial_date(day, precision)
    first, last = partial_date_span(day, precision)
    assert first <= day.isoformat() <= last
    assert first.startswith(text) and last.startswith(text)
    # Both ends are real days.
    assert dt.date.fromisoformat(first) <= dt.date.fromisoformat(last)


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        ("2023", "2025", "2023\u20132025"),
        ("2023", "2023", "2023"),
        ("2023", "", "since 2023"),
        ("", "2020-05", "until 2020-05"),
        ("", "", ""),
    ],
)
def test_a_period_reads_from_its_ends(start, end, shown):
    assert period_display(start, end) == shown
