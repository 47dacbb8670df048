"""A source text's paragraphs, and its highlighted spans laid out paragraph by paragraph.

Pure Python (no Django). One definition of a paragraph serves both the number a
citation gives ("para. 6", stored as `Quote.locator` when a quote is anchored)
and the numbered paragraphs of the public source page, so a citation's number is
always the number the reader sees.

A paragraph is a line of the text (between line feeds) that holds more than white
space. The line feeds and blank lines between paragraphs are separators: the
paragraphs and separators, in order, give back the whole text.

Highlighted spans (quotes) may nest, cross each other and run over a paragraph
break. `layout` cuts them into pieces that each lie inside one paragraph, so the
markup of every paragraph is balanced on its own, and the first piece of each span
is the one that carries its anchor.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(frozen=True)
class Paragraph:
    """A numbered paragraph: `text[start:end]`, without its line feed."""

    number: int
    start: int
    end: int


def split(text: str) -> list[Paragraph]:
    """The text's paragraphs, numbered from 1, in one pass over the text."""
    found: list[Paragraph] = []
    at = 0
    while at <= len(text):
        end = text.find("\n", at)
        end = len(text) if end == -1 else end
        if not text[at:end].isspace() and end > at:
            found.append(Paragraph(len(found) + 1, at, end))
        at = end + 1
    return found


def number_at(paragraphs: Sequence[Paragraph], offset: int) -> int:
    """The number of the paragraph that holds `offset` (its line feed included); an offset
    between paragraphs belongs to the next one, and one past the last to "last + 1"."""
    ends = [p.end for p in paragraphs]
    return bisect.bisect_left(ends, offset) + 1


def paragraph_number(text: str, offset: int) -> int:
    """1-based number of the paragraph (non-blank line) that holds `offset`.

    What a citation's "para. N" says: `Quote.locator` is this for the quote's start.
    """
    return number_at(split(text), offset)


class Mark(NamedTuple):
    """A span to highlight: offsets into the text (end exclusive), where it links, a
    title, and the anchor (an element id) that its first piece carries."""

    start: int
    end: int
    url: str
    title: str
    anchor: str


class Open(NamedTuple):
    """Open a mark. `first` is true for the first piece of its span (it carries the
    anchor); later pieces continue it after a crossing span or a paragraph break."""

    mark: Mark
    first: bool


class Close(NamedTuple):
    """Close the `count` innermost open marks."""

    count: int  # type: ignore[assignment]  # shadows tuple.count, which nothing here calls


class Text(NamedTuple):
    """Characters `start`..`end` of the text, inside `inner` (the innermost open mark)."""

    start: int
    end: int
    inner: Mark | None


Event = Open | Close | Text


@dataclass
class Block:
    """`text[start:end]`: a paragraph with the events that write it and its marks, or
    (`paragraph` None, no events) the white space between paragraphs."""

    start: int
    end: int
    paragraph: Paragraph | None = None
    events: list[Event] = field(default_factory=list)


def layout(text: str, marks: Iterable[Mark], windows: Sequence[tuple[int, int]]) -> list[Block]:
    """Each window of the text (in order, not overlapping) with its marks as balanced events.

    A mark inside another nests in it; where two cross, the outer one is closed where
    the other ends and goes on in a continued piece. At a window's end every open mark
    closes, and the marks still running reopen at the next window's start as continued
    pieces, so the markup never crosses a window. Text outside the windows is not
    written. One sweep over the boundaries: linear in the text and the marks (times how
    deeply the marks overlap).
    """
    ordered = sorted(
        (m for m in marks if m.end > m.start), key=lambda m: (m.start, -m.end, m.anchor)
    )
    starting: dict[int, list[int]] = {}
    for index, mark in enumerate(ordered):
        starting.setdefault(mark.start, []).append(index)
    ends = {mark.end for mark in ordered}
    bounds = sorted({0, len(text), *starting, *ends, *(x for w in windows for x in w)})
    blocks = [Block(start, end) for start, end in windows]
    anchored: set[int] = set()  # marks (by index) whose first piece is written
    active: list[int] = []  # the marks over the current position, outermost first
    window = 0  # the window we are in, or the next one
    inside = False

    def write_open(index: int) -> None:
        blocks[window].events.append(Open(ordered[index], index not in anchored))
        anchored.add(index)

    def leave_window() -> None:
        nonlocal inside, window
        if active:
            blocks[window].events.append(Close(len(active)))
        inside = False
        window += 1

    for at, until in zip(bounds, [*bounds[1:], len(text)], strict=True):
        if inside and at == blocks[window].end:
            leave_window()
        ending = [i for i, index in enumerate(active) if ordered[index].end == at]
        if ending:
            # Close down to the outermost span that ends here, then reopen the spans
            # above it that go on.
            reopen = [index for index in active[ending[0] :] if ordered[index].end != at]
            if inside:
                blocks[window].events.append(Close(len(active) - ending[0]))
            del active[ending[0] :]
            for index in reopen:
                active.append(index)
                if inside:
                    write_open(index)
        fresh = starting.get(at, [])
        active.extend(fresh)
        if not inside and window < len(blocks) and at == blocks[window].start:
            inside = True
            fresh = active  # every mark running here opens with the window
        if inside:
            for index in fresh:
                write_open(index)
            if at == blocks[window].end:  # an empty window
                leave_window()
        if inside and at < until:
            inner = ordered[active[-1]] if active else None
            blocks[window].events.append(Text(at, until, inner))
    return blocks


def paragraph_blocks(text: str, marks: Iterable[Mark]) -> list[Block]:
    """The whole text in order: each paragraph with its marks, and the separators."""
    paragraphs = split(text)
    laid_out = layout(text, marks, [(p.start, p.end) for p in paragraphs])
    out: list[Block] = []
    at = 0
    for paragraph, block in zip(paragraphs, laid_out, strict=True):
        if paragraph.start > at:
            out.append(Block(at, paragraph.start))
        block.paragraph = paragraph
        out.append(block)
        at = paragraph.end
    if at < len(text):
        out.append(Block(at, len(text)))
    return out
