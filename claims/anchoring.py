"""Find where a pasted quote lies in a source text.

Pure Python (no Django): offsets follow the W3C TextPositionSelector (start
inclusive, end exclusive) and context follows the TextQuoteSelector.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

# One definition of a paragraph for anchoring, citations and the source page.
from claims.paragraphs import paragraph_number

CONTEXT_CHARS = 32

# Characters an editor's clipboard, a PDF or a word processor swaps freely.
_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"
_DOUBLE_QUOTES = '"\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb'
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_FOLD = str.maketrans(
    {
        **dict.fromkeys(_SINGLE_QUOTES, "'"),
        **dict.fromkeys(_DOUBLE_QUOTES, '"'),
        **dict.fromkeys(_DASHES, "-"),
    }
)
_SPACE_RUN = re.compile(r"\s+")


@dataclass(frozen=True)
class Span:
    """A located quote: offsets into the text and the text's own characters."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


class AnchorError(ValueError):
    """The quote cannot be placed in the text with certainty."""


class QuoteNotFound(AnchorError):
    """No passage of the text matches the quote."""

    def __init__(self, closest: str, similarity: float, closest_start: int) -> None:
        self.closest = closest
        self.similarity = similarity
        self.closest_start = closest_start
        super().__init__(
            f"This quote is not in the source text. The closest passage "
            f"({similarity:.0f}% similar) is: \u201c{closest}\u201d"
        )


class AmbiguousQuote(AnchorError):
    """The quote occurs more than once and the context does not pick one."""

    def __init__(self, starts: list[int], paragraphs: list[int]) -> None:
        self.starts = starts
        self.paragraphs = paragraphs
        where = ", ".join(str(p) for p in paragraphs)
        super().__init__(
            f"This quote occurs {len(starts)} times in the source (paragraphs {where}). "
            f"Paste a longer quote, or give the words just before or after it as context."
        )


def fold(text: str) -> tuple[str, list[int]]:
    """Fold quotes, dashes and white space runs; map each folded char to its origin."""
    folded: list[str] = []
    origin: list[int] = []
    for match in re.finditer(r"\s+|\S+", text):
        if match.group().isspace():
            folded.append(" ")
            origin.append(match.start())
        else:
            folded.append(match.group().translate(_FOLD))
            origin.extend(range(match.start(), match.end()))
    return "".join(folded), origin


def fold_quote(text: str) -> str:
    """Fold a pasted quote the way `fold` folds a source text, trimming its ends."""
    return _SPACE_RUN.sub(" ", text.strip()).translate(_FOLD)


def context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[str, str]:
    """The up-to-`width` characters before and after a span."""
    return text[max(0, start - width) : start], text[end : end + width]


def _span(text: str, start: int, end: int) -> Span:
    prefix, suffix = context(text, start, end)
    return Span(start=start, end=end, exact=text[start:end], prefix=prefix, suffix=suffix)


def _candidates(text: str, quote: str) -> list[tuple[int, int]]:
    """Every (start, end) whose folded text equals the folded quote."""
    needle = fold_quote(quote)
    if not needle:
        return []
    folded, origin = fold(text)
    spans = []
    at = folded.find(needle)
    while at != -1:
        last = at + len(needle) - 1
        spans.append((origin[at], origin[last] + 1))
        at = folded.find(needle, at + 1)
    return spans


def _context_matches(text: str, span: tuple[int, int], prefix: str, suffix: str) -> bool:
    before, after = context(text, *span, width=max(len(prefix), len(suffix)) + CONTEXT_CHARS)
    ok_before = not prefix.strip() or fold_quote(before).endswith(fold_quote(prefix))
    ok_after = not suffix.strip() or fold_quote(after).startswith(fold_quote(suffix))
    return ok_before and ok_after


def anchor(
    text: str,
    quote: str,
    *,
    prefix: str = "",
    suffix: str = "",
    hint: int | None = None,
) -> Span:
    """Locate `quote` in `text`, tolerant of white space, quote and dash variants.

    Several matches are narrowed by the context (`prefix`/`suffix`), then by the
    nearest to `hint`, then by an exact character match; what is still
    ambiguous raises `AmbiguousQuote`. No match raises `QuoteNotFound`.
    """
    spans = _candidates(text, quote)
    if not spans:
        raise _not_found(text, quote)
    if len(spans) > 1 and (prefix.strip() or suffix.strip()):
        in_context = [s for s in spans if _context_matches(text, s, prefix, suffix)]
        spans = in_context or spans
    if len(spans) > 1 and hint is not None:
        nearest = min(abs(s[0] - hint) for s in spans)
        spans = [s for s in spans if abs(s[0] - hint) == nearest]
    if len(spans) > 1:
        verbatim = [s for s in spans if text[s[0] : s[1]] == quote.strip()]
        spans = verbatim if len(verbatim) == 1 else spans
    if len(spans) > 1:
        starts = [s[0] for s in spans]
        raise AmbiguousQuote(starts, [paragraph_number(text, s) for s in starts])
    return _span(text, *spans[0])


def _not_found(text: str, quote: str) -> QuoteNotFound:
    needle = fold_quote(quote)
    folded, origin = fold(text)
    if not needle or not folded:
        return QuoteNotFound("", 0.0, 0)
    best = fuzz.partial_ratio_alignment(needle, folded)
    assert best is not None  # only a score_cutoff leaves nothing aligned
    start = origin[best.dest_start] if best.dest_start < len(origin) else len(text)
    end = origin[best.dest_end - 1] + 1 if best.dest_end > 0 else start
    return QuoteNotFound(text[start:end], best.score, start)


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'\u201d\u2019)\]]*\s+|\n+")


def sentence_context(text: str, start: int, end: int, limit: int = 400) -> tuple[str, str]:
    """The sentence before a span (and the rest of its own) and the one after it."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    before_starts = [0, *(e for e in ends if e <= start)]
    from_ = before_starts[-2] if len(before_starts) >= 2 else 0
    after_ends = [e for e in ends if e > end] + [len(text)]
    to = after_ends[1] if len(after_ends) >= 2 else after_ends[0]
    before, after = text[from_:start], text[end:to]
    if len(before) > limit:
        before = "…" + before[-limit:]
    if len(after) > limit:
        after = after[:limit] + "…"
    return before, after.rstrip()
