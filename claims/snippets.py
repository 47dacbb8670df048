"""Search excerpts that add something to a result: the matched words in a quote.

Plain Python, no Django. The database's snippet (SQLite's snippet(), PostgreSQL's
ts_headline) marks the words it matched with two control characters; this module
finds those words again, marks them in the statement, and cuts an excerpt from the
first quote that has them. A result whose match is only in its statement then
shows the statement once, with the words marked, and no excerpt that repeats it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Characters no statement or quote holds (validators refuse control characters), so
# the database can mark matches in plain text and escaping happens once, on output.
MARK_START, MARK_END = "\x02", "\x03"
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}", re.DOTALL)
_WORD = re.compile(r"\S+")


def marked_words(snippet: str) -> frozenset[str]:
    """The words a database snippet marked as matches, lower-cased."""
    return frozenset(
        word.lower() for found in _MARKED.findall(snippet) for word in found.split() if word.strip()
    )


def _pattern(words: frozenset[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    # Longest first, so "gas pipeline" parts do not cut "gasoline"-like prefixes short;
    # whole words only: "gas" must not mark "Gasprom".
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def mark(text: str, words: frozenset[str]) -> str:
    """`text` with every whole-word occurrence of `words` wrapped in the marks."""
    pattern = _pattern(words)
    if pattern is None:
        return text
    return pattern.sub(lambda m: f"{MARK_START}{m.group(0)}{MARK_END}", text)


def excerpt(text: str, words: frozenset[str], *, before: int = 12, after: int = 20) -> str | None:
    """Some words either side of the first of `words` in `text`, marked; None if absent.

    An ellipsis stands where the excerpt cuts the text.
    """
    pattern = _pattern(words)
    found = pattern.search(text) if pattern else None
    if found is None:
        return None
    spans = [m.span() for m in _WORD.finditer(text)]
    hit = next(i for i, (start, end) in enumerate(spans) if end > found.start())
    first, last = max(0, hit - before), min(len(spans), hit + after + 1)
    piece = text[spans[first][0] : spans[last - 1][1]]
    return ("…" if first > 0 else "") + mark(piece, words) + ("…" if last < len(spans) else "")


def quote_excerpt(snippet: str, quotes: Sequence[str]) -> tuple[int, str] | None:
    """The first quote holding a word the snippet marked: (its index, a marked excerpt)."""
    words = marked_words(snippet)
    for index, quote in enumerate(quotes):
        if (found := excerpt(quote, words)) is not None:
            return index, found
    return None
