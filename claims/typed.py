"""Checks on what people type: no hidden control characters, one-line fields on one line.

Pure. Control characters (other than the newline and tab of multi-line text) are
invisible and can spoof or break what readers see: bidirectional overrides,
embeddings and isolates (U+202A–U+202E, U+2066–U+2069) can make "txt.exe" show
as "exe.txt". The left-to-right and right-to-left marks (U+200E, U+200F) stay
allowed: Arabic, Hebrew and Persian names need them and they cannot reorder text.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile(r"[\r\n\x85\u2028\u2029]")
_TAB = re.compile(r"\t")


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def control_problem(value: str) -> str | None:
    """Why `value` is refused for holding a control character, or None (newlines are fine)."""
    if match := _CONTROL.search(value):
        return (
            f"Remove the invisible control character {_describe(match.group())} "
            f"at position {match.start() + 1}."
        )
    return None


def one_line_problem(value: str) -> str | None:
    """Why a one-line field's `value` is refused, or None."""
    if match := _LINE_BREAK.search(value) or _TAB.search(value):
        what = "a tab" if match.group() == "\t" else "a line break"
        return f"Write this on one line: it has {what} at position {match.start() + 1}."
    return control_problem(value)
