"""HTML for highlighted source text and citations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Protocol

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from claims import paragraphs
from claims.models import Source
from claims.paragraphs import Mark


class MarkStyle(NamedTuple):
    """How a mark is written: its opening tag, the tag that continues it, its text."""

    open: str  # format string with anchor, url, title
    continued: str  # opening tag of a later piece (after a crossing mark or a paragraph break)
    text: str  # format string with url, title, text: the text inside the innermost mark


PUBLIC_MARK = MarkStyle(
    open='<mark id="{anchor}"{alt_attr}>',
    continued='<mark class="continued{alt_class}">',
    text='<a href="{url}" title="{title}">{text}</a>',
)

# Every other quote in reading order takes the second shade, each piece of it alike, so
# neighbouring quotes stand apart and a quote keeps its shade over a paragraph break.
_ALT = {
    False: {"alt_attr": "", "alt_class": ""},
    True: {"alt_attr": ' class="alt"', "alt_class": " alt"},
}


def _attributes(marks: list[Mark]) -> dict[Mark, dict[str, str]]:
    """Each mark's values for its style's format strings, escaped once (not per piece)."""
    ordered = sorted(marks, key=lambda m: (m.start, -m.end, m.anchor))
    return {
        mark: {
            "anchor": escape(mark.anchor),
            "url": escape(mark.url),
            "title": escape(mark.title),
            **_ALT[n % 2 == 1],
        }
        for n, mark in enumerate(ordered)
    }


def _write(
    text: str,
    events: Iterable[paragraphs.Event],
    style: MarkStyle,
    attributes: dict[Mark, dict[str, str]],
) -> str:
    """The HTML of laid-out events (claims.paragraphs.layout): the text and every value in
    the tags escaped (str.format on escaped values is what format_html does, a tenth as
    slow for the thousands of pieces of a much-quoted source)."""
    parts: list[str] = []
    for event in events:
        if isinstance(event, paragraphs.Text):
            piece = escape(text[event.start : event.end])
            inner = event.inner
            parts.append(style.text.format(text=piece, **attributes[inner]) if inner else piece)
        elif isinstance(event, paragraphs.Open):
            template = style.open if event.first else style.continued
            parts.append(template.format(**attributes[event.mark]))
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
    marks = list(marks)
    (block,) = paragraphs.layout(text, marks, [(0, len(text))])
    html = _write(text, block.events, style, _attributes(marks))
    return mark_safe(html)  # escaped in _write


PARAGRAPH = (
    '<p class="{kind}" id="p{number}"><a class="para-number" href="#p{number}" '
    'aria-label="Paragraph {number}">{number}</a> <span class="para-text">{text}</span></p>'
)


def numbered_text(text: str, marks: Iterable[Mark], style: MarkStyle = PUBLIC_MARK) -> SafeString:
    """The text as numbered paragraphs (`<p id="pN">`, the numbers citations give), each
    with its marks: a quote over a paragraph break is a mark in each paragraph, the first
    with its anchor. The white space between paragraphs is kept, so nothing is lost."""
    marks = list(marks)
    attributes = _attributes(marks)
    parts: list[str] = []
    follows_blank_line = True
    for block in paragraphs.paragraph_blocks(text, marks):
        if block.paragraph is None:
            separator = text[block.start : block.end]
            follows_blank_line = separator.count("\n") > 1
            parts.append(escape(separator))
        else:
            # A line that follows a single line break (a PDF's wrapped lines, a list)
            # sits close under the one before, as in the original.
            parts.append(
                PARAGRAPH.format(
                    kind="para" if follows_blank_line else "para para-line",
                    number=block.paragraph.number,
                    text=_write(text, block.events, style, attributes),  # escaped there
                )
            )
            follows_blank_line = False
    return mark_safe("".join(parts))  # every part is escaped above


class CitedSource(Protocol):
    """What a citation reads of a source: a Source, or a claim version's snapshot of one."""

    @property
    def author(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def outlet(self) -> str: ...
    @property
    def published_display(self) -> str: ...
    @property
    def url(self) -> str: ...


def _citation_parts(
    source: CitedSource, paragraph: int | None, paragraph_link: str = ""
) -> list[tuple[str, str]]:
    """A citation's parts as (text, link): only the paragraph links, to its place on the
    source page."""
    parts = [
        (source.author, ""),
        (f"\u201c{source.title}\u201d", ""),
        (source.outlet, ""),
        (source.published_display, ""),
        (f"para. {paragraph}", paragraph_link) if paragraph else ("", ""),
        (source.url, ""),
    ]
    return [(text, link) for text, link in parts if text]


def source_citation(source: CitedSource, paragraph: int | None = None) -> str:
    """Author, “Title”, outlet, date, paragraph and URL, as far as they are known."""
    return ", ".join(text for text, _ in _citation_parts(source, paragraph))


def linked_source_citation(source: Source, paragraph: int | None = None) -> SafeString:
    """`source_citation` as HTML, its "para. N" a link to that paragraph of the source page."""
    return format_html_join(
        ", ",
        "{}",
        (
            (format_html('<a href="{}">{}</a>', link, text) if link else text,)
            for text, link in _citation_parts(
                source, paragraph, source.paragraph_url(paragraph) if paragraph else ""
            )
        ),
    )
