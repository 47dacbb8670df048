"""HTML for highlighted source text and citations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from claims.models import Claim, Quote, Source


class Mark(NamedTuple):
    start: int
    end: int
    url: str
    title: str
    anchor: str


PUBLIC_MARK = '<mark id="{anchor}"><a href="{url}" title="{title}">{text}</a></mark>'


def highlight(text: str, marks: Iterable[Mark], template: str = PUBLIC_MARK) -> SafeString:
    """The text, escaped, with each span in a <mark> (built from `template`) linking to `url`."""
    parts: list[str] = []
    at = 0
    for mark in sorted(marks):
        if mark.start < at:  # overlapping spans: the earlier mark already covers it
            continue
        parts.append(format_html("{}", text[at : mark.start]))
        parts.append(
            format_html(
                template,
                anchor=mark.anchor,
                url=mark.url,
                title=mark.title,
                text=text[mark.start : mark.end],
            )
        )
        at = mark.end
    parts.append(format_html("{}", text[at:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def source_citation(source: Source, paragraph: int | None = None) -> str:
    """Author, “Title”, outlet, date, paragraph and URL, as far as they are known."""
    parts = [
        source.author,
        f"\u201c{source.title}\u201d",
        source.outlet,
        source.published_display,
        f"para. {paragraph}" if paragraph else "",
        source.url,
    ]
    return ", ".join(p for p in parts if p)


def claim_citation(claim: Claim, permalink: str, quotes: Iterable[Quote]) -> str:
    """A ready citation of a claim and the sources behind it."""
    when = f" ({claim.event_date_display})" if claim.event_date_display else ""
    sources = "; ".join(source_citation(q.source, q.locator) for q in quotes)
    evidence = f" Evidence: {sources}." if sources else ""
    return f"factreg, claim #{claim.pk}: \u201c{claim.statement}\u201d{when}.{evidence} {permalink}"
