"""Claim candidates: the sentences of a source text that hold something checkable.

Pure: sentence spans come from pysbd (a well-kept rule-based segmenter), the
marking from a few documented signals. Nothing here decides what is a claim;
it shows editors what they have not looked at yet.

Check-worthiness score, the sum of the signals a sentence holds:

| signal | weight | e.g. |
| --- | ---: | --- |
| a percentage | 3 | `20%`, `20 percent` |
| a money amount | 3 | `$58.6 million`, `1.5 billion dollars` |
| an attribution | 2 | said, according to, accused, announced, claimed … |
| another number | 1 | `43 points`, `400 tons` |
| a date or year | 1 | `2022`, `22 February`, `September` |
| a known entity named | 1 each, at most 2 | Russia, SOCAR |

A sentence with none of them is background and no candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

WEIGHTS = {
    "percentage": 3,
    "money": 3,
    "attribution": 2,
    "number": 1,
    "date": 1,
    "entity": 1,
}
MAX_ENTITY_POINTS = 2

_PERCENT = re.compile(r"\d\s?(?:%|per ?cent\b)", re.IGNORECASE)
_MONEY = re.compile(
    r"[$€£₽]\s?\d|\d[\d,.]*\s*(?:million|billion|trillion)?\s*"
    r"(?:dollars?|euros?|manats?|rubles?|roubles?|USD|EUR|AZN|RUB)\b",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|according to|accused|accuses|announced|announces|claimed|claims that|"
    r"argued|argues|stated|states that|denied|denies|warned|warns|reported|alleged|"
    r"allegedly|reportedly|declared|insisted|threatened)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:1[89]\d\d|20\d\d)s?\b")
_MONTH = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\b"
)
_NUMBER = re.compile(r"\d")
_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Candidate:
    """A checkable sentence: where it is in the text, why, and how check-worthy."""

    start: int
    end: int  # exclusive
    text: str
    reasons: tuple[str, ...]
    score: int


@cache
def _segmenter():
    # Imported on first use, not with the app: every server process imports the
    # services, and only the editors' candidate pages and the report segment text.
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, paragraph by paragraph, without surrounding space."""
    spans = []
    at = 0
    for paragraph in [*_PARAGRAPH.split(text)]:
        offset = text.index(paragraph, at) if paragraph else at
        at = offset + len(paragraph)
        if not paragraph.strip():
            continue
        for piece in _segmenter().segment(paragraph):
            start, end = offset + piece.start, offset + piece.end
            # Trim the whitespace pysbd keeps, so a span is the sentence itself.
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((start, end))
    return spans


def names_pattern(names: Iterable[str]) -> re.Pattern | None:
    """One pattern for every name (whole words), longest first; None if there are none."""
    unique = sorted({n.strip() for n in names if len(n.strip()) > 1}, key=len, reverse=True)
    if not unique:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, unique))})(?!\w)")


def signals(sentence: str, names: re.Pattern | Iterable[str] | None = None) -> dict[str, int]:
    """The signals a sentence holds, each with its points (see the module's table).

    `names` are the known entities' names and aliases (or names_pattern() of them).
    """
    found: dict[str, int] = {}
    if _PERCENT.search(sentence):
        found["percentage"] = WEIGHTS["percentage"]
    if _MONEY.search(sentence):
        found["money"] = WEIGHTS["money"]
    if _ATTRIBUTION.search(sentence):
        found["attribution"] = WEIGHTS["attribution"]
    if _YEAR.search(sentence) or _MONTH.search(sentence):
        found["date"] = WEIGHTS["date"]
    # A number that is not only the year or the percentage already counted.
    digits = _YEAR.sub("", sentence)
    if "percentage" not in found and "money" not in found and _NUMBER.search(digits):
        found["number"] = WEIGHTS["number"]
    pattern = names if isinstance(names, re.Pattern) else names_pattern(names or ())
    named = len(set(pattern.findall(sentence))) if pattern else 0
    if named:
        found["entity"] = min(named, MAX_ENTITY_POINTS) * WEIGHTS["entity"]
    return found


def candidates(text: str, names: Iterable[str] = ()) -> list[Candidate]:
    """The checkable sentences of `text`, in reading order (sort by `score` to rank)."""
    pattern = names_pattern(names)
    found = []
    for start, end in sentences(text):
        sentence = text[start:end]
        points = signals(sentence, pattern)
        if points:
            found.append(Candidate(start, end, sentence, tuple(points), sum(points.values())))
    return found
