"""Partial dates as text: a date known to the day, the month or only the year.

Plain functions of a date (or the ISO text a database column holds) and its precision,
used by the models' `*_display` attributes, the exports and the data package.
"""

from __future__ import annotations

import calendar
import datetime as dt

from claims.choices import DatePrecision


def format_partial_date(value: dt.date | str | None, precision: str) -> str:
    """ISO text at the date's real precision: `2022`, `2022-02` or `2022-02-22`.

    `value` is a date, or the ISO text a database column holds.
    """
    if value is None or precision == DatePrecision.UNKNOWN:
        return ""
    lengths: dict[str, int] = {DatePrecision.YEAR: 4, DatePrecision.MONTH: 7}
    length = lengths.get(precision, 10)
    return (value if isinstance(value, str) else value.isoformat())[:length]


def partial_date_span(value: dt.date | str | None, precision: str) -> tuple[str, str]:
    """The first and last day (ISO) a partial date covers: `2022-02` is 2022-02-01 to
    2022-02-28. Blank for an unknown date. Columns any date parser reads."""
    text = format_partial_date(value, precision)
    if not text:
        return "", ""
    if precision == DatePrecision.YEAR:
        # The year as written (0999, not 999), so the ends stay ISO dates.
        return f"{text}-01-01", f"{text}-12-31"
    if precision == DatePrecision.MONTH:
        days = calendar.monthrange(int(text[:4]), int(text[5:7]))[1]
        return f"{text}-01", f"{text}-{days:02d}"
    return text, text


def period_display(start: str, end: str) -> str:
    """A period from its partial-date ends: `2023–2025`, `since 2023`, `until 2020-05`."""
    if start and end:
        return start if start == end else f"{start}\u2013{end}"
    if start:
        return f"since {start}"
    return f"until {end}" if end else ""
