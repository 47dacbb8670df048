from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.csvsafe import escape_text, format_number, unescape_text

# The characters that make Excel, LibreOffice or Google Sheets read a cell as a formula
# (OWASP's CSV injection list), written out here rather than read from csvsafe.TRIGGERS so
# that dropping one from the code fails the test.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+2", "'=1+2"),
        (
            '=HYPERLINK("http://evil.example","click")',
            '\'=HYPERLINK("http://evil.example","click")',
        ),
        ("+1-1", "'+1-1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("'already quoted", "''already quoted"),
        ("Lukoil holds 20%", "Lukoil holds 20%"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_owasp_examples_are_neutralised(cell, safe):
    assert escape_text(cell) == safe


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("20.000000"), "20"),
        (Decimal("-5.5"), "-5.5"),
        (Decimal("1500000000.000000"), "1500000000"),
        (Decimal("0.000000"), "0"),
        (Decimal("-0"), "0"),
        (58.6e6, "58600000"),
        (None, ""),
    ],
)
def test_numbers_are_written_as_plain_numbers(value, text):
    assert format_number(value) == text


def _roundtrip(cells: list[str]) -> list[str]:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([escape_text(c) for c in cells])
    (row,) = csv.reader(io.StringIO(buffer.getvalue(), newline=""))
    return row


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_no_exported_text_cell_begins_with_a_formula_character(cells):
    for cell in _roundtrip(cells):
        assert not cell.startswith(FORMULA_STARTS)


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_cells_read_back_to_the_original_once_the_quote_is_removed(cells):
    assert [unescape_text(cell) for cell in _roundtrip(cells)] == cells
