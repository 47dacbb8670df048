"""HTML for highlighted source text and citations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from claims.models import Source


class Mark(NamedTuple):
    start: int
    end: int
    url: str
    title: str
    anchor: str


class MarkStyle(NamedTuple):
    """How a mark is written: its opening tag, the tag that continues it, its text."""

    open: str  # format string with anchor, url, title
    continued: str  # opening tag of a piece after a crossing mark closed it (no id)
    text: str  # format string with url, title, text: the text inside the innermost mark


PUBLIC_MARK = MarkStyle(
    open='<mark id="{anchor}">',
    continued='<mark class="continued">',
    text='<a href="{url}" title="{title}">{text}</a>',
)


def highlight(text: str, marks: Iterable[Mark], style: MarkStyle = PUBLIC_MARK) -> SafeString:
    """The text, escaped, with each span in a <mark> (written in `style`), overlaps included.

    Quotes of different claims may share words. A span inside another is a <mark>
    inside its <mark>; spans that cross are split where one ends, and the rest of the
    other goes on in a "continued" mark. The text is linked to the innermost span's
    claim, so links never nest and every span keeps an element with its anchor.
    """
    ordered = sorted(marks, key=lambda m: (m.start, -m.end, m.anchor))
    bounds = sorted({0, len(text), *(m.start for m in ordered), *(m.end for m in ordered)})
    starting: dict[int, list[Mark]] = {}
    for mark in ordered:
        if mark.end > mark.start:
            starting.setdefault(mark.start, []).append(mark)
    parts: list[str] = []
    stack: list[Mark] = []
    for at, until in zip(bounds, bounds[1:] + [len(text)], strict=True):
        ending = [i for i, mark in enumerate(stack) if mark.end == at]
        if ending:
            # Close down to the outermost span that ends here, then reopen the
            # spans above it that go on.
            reopen = [mark for mark in stack[ending[0] :] if mark.end != at]
            parts.append("</mark>" * (len(stack) - ending[0]))
            del stack[ending[0] :]
            for mark in reopen:
                parts.append(format_html(style.continued, url=mark.url, title=mark.title))
                stack.append(mark)
        for mark in starting.get(at, []):
            parts.append(
                format_html(style.open, anchor=mark.anchor, url=mark.url, title=mark.title)
            )
            stack.append(mark)
        if at < until:
            piece = text[at:until]
            if stack:
                inner = stack[-1]
                parts.append(format_html(style.text, url=inner.url, title=inner.title, text=piece))
            else:
                parts.append(format_html("{}", piece))
    parts.append("</mark>" * len(stack))
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
