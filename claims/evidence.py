"""Keeping quotes verbatim: place a pasted passage, re-anchor after a text change."""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ValidationError

from claims import anchoring, paragraphs
from claims.models import Quote


class Anchoring(StrEnum):
    EXACT = "exact"
    MOVED = "moved"
    ORPHANED = "orphaned"


def place_quote(quote: Quote, pasted: str, *, prefix: str = "", suffix: str = "") -> None:
    """Anchor `pasted` in the quote's source and store the span on `quote` (unsaved).

    Raises ValidationError on `exact` with the closest passage or the
    ambiguity, so nothing is stored that is not verbatim in the source.
    """
    text = quote.source.text
    hint = quote.start if quote.pk and quote.start is not None else None
    try:
        span = anchoring.anchor(text, pasted, prefix=prefix, suffix=suffix, hint=hint)
    except anchoring.AnchorError as error:
        raise ValidationError({"exact": str(error)}) from None
    _store(quote, text, span)


def _store(quote: Quote, text: str, span: anchoring.Span) -> None:
    quote.start, quote.end, quote.exact = span.start, span.end, span.exact
    quote.prefix, quote.suffix = span.prefix, span.suffix
    quote.locator = paragraphs.paragraph_number(text, span.start)


def reanchor(quote: Quote, text: str) -> Anchoring:
    """Check `quote` against `text`; on a move, update its span in memory (unsaved).

    An orphan is left exactly as it was: nothing is ever dropped.
    """
    if text[quote.start : quote.end] == quote.exact:
        return Anchoring.EXACT
    try:
        span = anchoring.anchor(
            text, quote.exact, prefix=quote.prefix, suffix=quote.suffix, hint=quote.start
        )
    except anchoring.AnchorError:
        return Anchoring.ORPHANED
    _store(quote, text, span)
    return Anchoring.MOVED
