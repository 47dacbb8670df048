"""Spreadsheet-safe CSV cells (OWASP CSV injection). Pure Python, no Django.

A text cell that a spreadsheet could read as a formula, i.e. one that begins
with `=`, `+`, `-`, `@`, tab, CR or LF, gets a leading `'`. So does a cell
that already begins with `'`, so that removing one leading `'` always gives
the original text back. Numbers are written as numbers and never escaped.
"""

from __future__ import annotations

from decimal import Decimal

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
ESCAPE = "'"
_ESCAPED = (*TRIGGERS, ESCAPE)  # built once: the export calls escape_text for most cells


def escape_text(value: str) -> str:
    """Neutralise a text cell for spreadsheets."""
    return ESCAPE + value if value.startswith(_ESCAPED) else value


def unescape_text(value: str) -> str:
    """Undo `escape_text` (for readers that want the original text)."""
    return value[1:] if value.startswith(ESCAPE) else value


def format_number(value: Decimal | int | float | str | None) -> str:
    """A plain decimal number (no exponent, no trailing zeros); blank for None."""
    if value is None:
        return ""
    # str() first: a float's shortest repr, not its binary expansion (58.6, not 58.6000…01).
    text = format(Decimal(value if isinstance(value, Decimal | int) else str(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
