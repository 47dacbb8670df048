"""Who a statement says asserts it: "According to X, …" or "X argued that …".

Pure helpers for the editor's claimant suggestion. They only suggest: the
editor confirms every claimant (nothing is inferred silently).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

Key = TypeVar("Key")

# "According to X, …" (X ends at the first comma or colon).
_ACCORDING = re.compile(r"^\W*according to\s+(?P<who>[^,:;]+?)\s*[,:;]", re.IGNORECASE)
# "X argued that …", "In May 2023 X said …": the verb within the first words.
_VERBS = {
    "argued": "stated",
    "argues": "stated",
    "said": "stated",
    "says": "stated",
    "claimed": "stated",
    "stated": "stated",
    "warned": "stated",
    "accused": "stated",
    "denied": "stated",
    "reported": "reported",
    "reports": "reported",
    "estimated": "estimated",
    "estimates": "estimated",
    "forecast": "forecast",
    "forecasts": "forecast",
    "predicted": "forecast",
}
_SAYS = re.compile(
    r"^(?P<who>(?:\S+\s+){0,11}?\S+?)\s+(?P<verb>" + "|".join(_VERBS) + r")\b", re.IGNORECASE
)

_PASSIVE = re.compile(r"\b(?:was|were|is|are|be|been|being|widely|often)$", re.IGNORECASE)


@dataclass(frozen=True)
class Suggestion:
    """The words that name who asserts a statement, and the role its verb gives."""

    phrase: str
    role: str  # stated, reported, estimated or forecast (Attribution.Role's values)
    basis: str = ""  # the words that say so, e.g. "According to X" or "X argued"


def suggest(statement: str) -> Suggestion | None:
    """The claimant phrase at the start of `statement`, or None if it names none."""
    text = " ".join(statement.split())
    if match := _ACCORDING.match(text):
        return Suggestion(match["who"].strip(), "stated", match[0].rstrip(",:; ").strip())
    match = _SAYS.match(text)
    if match is None or _PASSIVE.search(match["who"]):
        return None  # "aid was estimated at …" names no one
    return Suggestion(match["who"].strip(" ,"), _VERBS[match["verb"].lower()], match[0])


def _fold(text: str) -> str:
    """Lower case without accents, so "Canback" finds "Canbäck"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def named_in(phrase: str, candidates: Iterable[tuple[Key, Sequence[str]]]) -> list[Key]:
    """The keys whose names (a name and its aliases) occur in `phrase` as whole words.

    In order of appearance; a name inside a longer name found at the same place
    ("Aliyev" in "Ilham Aliyev") does not count twice.
    """
    folded = _fold(phrase)
    spans: list[tuple[int, int, Key]] = []
    for key, names in candidates:
        best: tuple[int, int] | None = None
        for name in names:
            needle = _fold(name.strip())
            if len(needle) < 2:
                continue
            for found in re.finditer(rf"(?<!\w){re.escape(needle)}(?!\w)", folded):
                span = found.span()
                if best is None or (span[1] - span[0]) > (best[1] - best[0]):
                    best = span
        if best is not None:
            spans.append((*best, key))
    kept = [
        (start, end, key)
        for start, end, key in spans
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
    ]
    return [key for _, _, key in sorted(kept, key=lambda item: (item[0], -item[1]))]
