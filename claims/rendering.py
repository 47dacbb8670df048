"""HTML for highlighted source text and citations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from claims import paragraphs
from claims.models import Claim, Quote, Source
from claims.paragraphs import Mark


class MarkStyle(NamedTuple):
    """How a mark is written: its opening tag, the tag that continues it, its text."""

    open: str  # format string with anchor, url, title
    continued: str  # opening tag of a later piece (after a crossing mark or a paragraph break)
    text: str  # format string with url, title, text: the text inside the innermost mark


PUBLIC_MARK = MarkStyle(
    open='<mark id="{anchor}">',
    continued='<mark class="continued">',
    text='<a href="{url}" title="{title}">{text}</a>',
)


def _write(text: str, events: Iterable[paragraphs.Event], style: MarkStyle) -> str:
    """The HTML of laid-out events (claims.paragraphs.layout), every piece escaped."""
    parts: list[str] = []
    for event in events:
        if isinstance(event, paragraphs.Text):
            piece = text[event.start : event.end]
            inner = event.inner
            parts.append(
                format_html(style.text, url=inner.url, title=inner.title, text=piece)
                if inner
                else format_html("{}", piece)
            )
        elif isinstance(event, paragraphs.Open):
            mark = event.mark
            template = style.open if event.first else style.continued
            parts.append(format_html(template, anchor=mark.anchor, url=mark.url, title=mark.title))
        else:
            parts.append("</mark>" * event.count)
    return "".join(parts)


def highlight(text: str, marks: Iterable[Mark], style: MarkStyle = PUBLIC_MARK) -> SafeString:
    """The text, escaped, with each span in a <mark> (written in `style`), overlaps included.

    Quotes of different claims may share words. A span inside another is a <mark>
    inside its <mark>; spans that cross are split where one ends, and the rest of the
    other goes on in a "continued" mark. The text is linked to the innermost span's
    claim, so links never nest and every span keeps an element with its anchor.
    """
    (block,) = paragraphs.layout(text, marks, [(0, len(text))])
    return mark_safe(_write(text, block.events, style))  # noqa: S308 - escaped in _write


PARAGRAPH = (
    '<p class="para" id="p{number}"><a class="para-number" href="#p{number}" '
    'aria-label="Paragraph {number}">{number}</a> <span class="para-text">{text}</span></p>'
)


def numbered_text(text: str, marks: Iterable[Mark], style: MarkStyle = PUBLIC_MARK) -> SafeString:
    """The text as numbered paragraphs (`<p id="pN">`, the numbers citations give), each
    with its marks: a quote over a paragraph break is a mark in each paragraph, the first
    with its anchor. The white space between paragraphs is kept, so nothing is lost."""
    parts: list[str] = []
    for block in paragraphs.paragraph_blocks(text, marks):
        if block.paragraph is None:
            parts.append(format_html("{}", text[block.start : block.end]))
        else:
            parts.append(
                format_html(
                    PARAGRAPH,
                    number=block.paragraph.number,
                    text=mark_safe(_write(text, block.events, style)),  # noqa: S308 - escaped
                )
            )
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def _citation_parts(source: Source, paragraph: int | None) -> list[tuple[str, str]]:
    """A citation's parts as (text, link): only the paragraph links, to its place on the
    source page."""
    parts = [
        (source.author, ""),
        (f"\u201c{source.title}\u201d", ""),
        (source.outlet, ""),
        (source.published_display, ""),
        (f"para. {paragraph}", source.paragraph_url(paragraph)) if paragraph else ("", ""),
        (source.url, ""),
    ]
    return [(text, link) for text, link in parts if text]


def source_citation(source: Source, paragraph: int | None = None) -> str:
    """Author, “Title”, outlet, date, paragraph and URL, as far as they are known."""
    return ", ".join(text for text, _ in _citation_parts(source, paragraph))


def linked_source_citation(source: Source, paragraph: int | None = None) -> SafeString:
    """`source_citation` as HTML, its "para. N" a link to that paragraph of the source page."""
    return format_html_join(
        ", ",
        "{}",
        (
            (format_html('<a href="{}">{}</a>', link, text) if link else text,)
            for text, link in _citation_parts(source, paragraph)
        ),
    )


def claim_citation(claim: Claim, permalink: str, quotes: Iterable[Quote]) -> str:
    """A ready citation of a claim and the sources behind it."""
    when = f" ({claim.event_date_display})" if claim.event_date_display else ""
    sources = "; ".join(source_citation(q.source, q.locator) for q in quotes)
    evidence = f" Evidence: {sources}." if sources else ""
    return f"factreg, claim #{claim.pk}: \u201c{claim.statement}\u201d{when}.{evidence} {permalink}"
