"""Paragraphs of a source text (claims/paragraphs.py, pure): the numbers citations give are
the numbers the source page shows, and marks cut at paragraph breaks lose nothing."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from claims import anchoring, paragraphs
from claims.paragraphs import Block, Close, Mark, Open, Text

TEXT = "First paragraph here.\n\n  \nSecond one, over there.\nThird.\n"

texts = st.text(alphabet="ab .\n\t\u00a0\u2028", max_size=60)


def old_paragraph_number(text: str, offset: int) -> int:
    """The definition the registry's stored locators were made with: count the
    non-blank lines before the offset's line."""
    return sum(1 for line in text[:offset].split("\n")[:-1] if line.strip()) + 1


def test_a_paragraph_is_a_line_with_more_than_white_space():
    found = paragraphs.split(TEXT)
    assert [TEXT[p.start : p.end] for p in found] == [
        "First paragraph here.",
        "Second one, over there.",
        "Third.",
    ]
    assert [p.number for p in found] == [1, 2, 3]
    assert paragraphs.paragraph_number(TEXT, TEXT.index("over")) == 2
    assert anchoring.paragraph_number is paragraphs.paragraph_number  # one definition


@given(text=texts)
def test_paragraphs_and_separators_give_back_the_text(text):
    blocks = paragraphs.paragraph_blocks(text, [])
    assert "".join(text[b.start : b.end] for b in blocks) == text
    numbered = [b.paragraph for b in blocks if b.paragraph]
    assert [p.number for p in numbered] == list(range(1, len(numbered) + 1))
    for n, block in enumerate(blocks):
        piece = text[block.start : block.end]
        if block.paragraph is None:
            assert piece and not piece.strip()  # white space only
            if 0 < n < len(blocks) - 1:
                assert "\n" in piece  # between two paragraphs: a line break at least
        else:
            assert "\n" not in piece
            assert piece.strip()


@given(text=texts, data=st.data())
def test_every_offset_of_a_paragraph_has_its_number(text, data):
    found = paragraphs.split(text)
    assume(found)
    paragraph = data.draw(st.sampled_from(found))
    offset = data.draw(st.integers(paragraph.start, paragraph.end))
    assert paragraphs.paragraph_number(text, offset) == paragraph.number


@given(text=texts, data=st.data())
def test_the_numbers_are_those_the_stored_locators_were_made_with(text, data):
    offset = data.draw(st.integers(0, len(text)))
    assert paragraphs.paragraph_number(text, offset) == old_paragraph_number(text, offset)


@given(
    text=st.text(alphabet="ab c.\n", min_size=1, max_size=80),
    data=st.data(),
)
def test_an_anchored_quote_lies_in_the_paragraph_its_locator_names(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    assume(text[start:end].strip())
    try:
        span = anchoring.anchor(text, text[start:end], hint=start)
    except anchoring.AmbiguousQuote:
        assume(False)
    locator = paragraphs.paragraph_number(text, span.start)
    (paragraph,) = [p for p in paragraphs.split(text) if p.number == locator]
    assert paragraph.start <= span.start < paragraph.end


def replay(text: str, blocks: list[Block]) -> dict[str, list[tuple[int, int, bool]]]:
    """What each mark covers: (start, end, in a piece that opened as its first) per piece
    of text written inside it; asserts every block's markup is balanced on its own."""
    covered: dict[str, list[tuple[int, int, bool]]] = {}
    for block in blocks:
        stack: list[Open] = []
        for event in block.events:
            if isinstance(event, Open):
                stack.append(event)
            elif isinstance(event, Close):
                assert 0 < event.count <= len(stack)
                del stack[len(stack) - event.count :]
            else:
                assert isinstance(event, Text)
                assert block.start <= event.start < event.end <= block.end
                assert event.inner == (stack[-1].mark if stack else None)
                for opened in stack:
                    covered.setdefault(opened.mark.anchor, []).append(
                        (event.start, event.end, opened.first)
                    )
        assert not stack, "a paragraph's markup is balanced"
    return covered


@st.composite
def marked_texts(draw) -> tuple[str, list[Mark]]:
    """A text of a few paragraphs and up to six spans in it, often over a break."""
    lines = draw(st.lists(st.text(alphabet="ab .\t\u00a0", max_size=12), min_size=1, max_size=6))
    text = "".join(line + draw(st.sampled_from(["\n", "\n\n", "\n \n", ""])) for line in lines)
    assume(text)
    marks = []
    for n in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        marks.append(Mark(start, end, f"/c/{n}/", f"t{n}", f"q{n}"))
    return text, marks


@given(marked=marked_texts())
def test_every_mark_keeps_exactly_its_text_across_paragraph_breaks(marked):
    text, marks = marked
    blocks = paragraphs.paragraph_blocks(text, marks)
    covered = replay(text, blocks)
    inside = {i for b in blocks if b.paragraph for i in range(b.start, b.end)}
    for mark in marks:
        pieces = covered.get(mark.anchor, [])
        # The mark covers exactly its paragraph characters, in order, once each ...
        offsets = [i for start, end, _ in pieces for i in range(start, end)]
        assert offsets == [i for i in range(mark.start, mark.end) if i in inside]
        # ... and those pieces with the separators between them are its text.
        rebuilt, at = "", mark.start
        for start, end, _ in pieces:
            assert not text[at:start].strip()  # only a separator lies between two pieces
            rebuilt += text[at:start] + text[start:end]
            at = end
        assert not text[at : mark.end].strip()
        assert rebuilt + text[at : mark.end] == text[mark.start : mark.end]
    # Each mark's anchor is written once, on its first piece.
    opens = [e for b in blocks for e in b.events if isinstance(e, Open)]
    for mark in marks:
        firsts = [e for e in opens if e.mark is mark and e.first]
        assert len(firsts) == (1 if any(mark.start <= i < mark.end for i in inside) else 0)
        mine = [e for e in opens if e.mark is mark]
        assert not mine or mine[0].first


def test_a_quote_over_a_paragraph_break_is_a_mark_in_each_paragraph():
    mark = Mark(TEXT.index("here."), TEXT.index(" over"), "/claims/7/", "claim", "q7")
    first, gap, second, *_ = paragraphs.paragraph_blocks(TEXT, [mark])
    assert first.events == [
        Text(0, mark.start, None),
        Open(mark, first=True),
        Text(mark.start, first.end, mark),
        Close(1),
    ]
    assert gap.paragraph is None and gap.events == []
    assert second.events[:3] == [
        Open(mark, first=False),
        Text(second.start, mark.end, mark),
        Close(1),
    ]
