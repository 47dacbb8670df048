"""Highlighted source text: every quote keeps a mark with its anchor, overlaps included."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from claims.rendering import Mark, highlight, numbered_text


class Tree(HTMLParser):
    """The text inside each element with an id, the plain text, and whether tags nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, str | None]] = []
        self.inside: dict[str, str] = {}
        self.text = ""
        self.links_nested = False
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and any(name == "a" for name, _ in self.open):
            self.links_nested = True
        anchor = dict(attrs).get("id")
        if anchor is not None:
            self.inside[anchor] = ""
        self.open.append((tag, anchor))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            self.balanced = False
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text += data
        for _, anchor in self.open:
            if anchor is not None:
                self.inside[anchor] += data


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    return tree


TEXT = "Lukoil holds 20% of Shah Deniz. The stake <grew> & so did Socar's."


def mark(text: str, passage: str, anchor: str) -> Mark:
    start = text.index(passage)
    return Mark(start, start + len(passage), f"/claims/{anchor}/", f"claim {anchor}", anchor)


def test_a_quote_inside_another_quote_gets_its_own_mark_inside_the_outer_one():
    outer = mark(TEXT, "Lukoil holds 20% of Shah Deniz.", "q1")
    inner = mark(TEXT, "20% of Shah Deniz", "q2")
    tree = parse(highlight(TEXT, [inner, outer]))
    assert tree.balanced
    assert not tree.links_nested
    assert tree.text == TEXT
    assert tree.inside == {"q1": "Lukoil holds 20% of Shah Deniz.", "q2": "20% of Shah Deniz"}


def test_two_claims_quoting_the_same_words_both_keep_their_anchor():
    first = mark(TEXT, "The stake <grew>", "q1")
    second = mark(TEXT, "The stake <grew>", "q2")
    html = highlight(TEXT, [first, second])
    tree = parse(html)
    assert tree.inside == {"q1": "The stake <grew>", "q2": "The stake <grew>"}
    assert "&lt;grew&gt;" in html


def test_crossing_quotes_are_split_where_one_ends_and_no_text_is_lost_or_doubled():
    first = mark(TEXT, "Shah Deniz. The stake", "q1")
    second = mark(TEXT, "The stake <grew> & so", "q2")
    html = highlight(TEXT, [first, second])
    tree = parse(html)
    assert tree.balanced
    assert not tree.links_nested
    assert tree.text == TEXT
    assert tree.inside["q1"] == "Shah Deniz. The stake"
    # The second starts inside the first; its mark goes on after the first closes, in the
    # second quote's own shade.
    assert tree.inside["q2"] == "The stake"
    assert '<mark id="q2" class="alt">' in html
    continued = '<mark class="continued alt"><a href="/claims/q2/" title="claim q2">'
    assert f"{continued} &lt;grew&gt; &amp; so" in html


@given(
    text=st.text(alphabet="ab <&\u00e9\n", min_size=1, max_size=40),
    spans=st.lists(st.tuples(st.integers(0, 40), st.integers(1, 20)), max_size=6),
)
def test_any_set_of_spans_gives_balanced_html_with_every_anchor_and_the_whole_text(text, spans):
    marks = [
        Mark(start, min(start + length, len(text)), f"/c/{n}/", f"t{n}", f"q{n}")
        for n, (start, length) in enumerate(spans)
        if start < len(text)
    ]
    tree = parse(highlight(text, marks))
    assert tree.balanced
    assert not tree.open
    assert not tree.links_nested
    assert unescape(tree.text) == text
    assert set(tree.inside) == {m.anchor for m in marks}
    for m in marks:
        # Each anchor's element starts at its span and never runs past its end.
        assert text[m.start : m.end].startswith(tree.inside[m.anchor])
        assert tree.inside[m.anchor]


def test_numbered_paragraphs_split_a_quote_over_a_break_and_keep_the_text():
    text = "Lukoil holds 20% of <Shah Deniz>.\n\nThe stake grew & so did Socar's.\n"
    quote = mark(text, "Deniz>.\n\nThe stake", "q1")
    html = numbered_text(text, [quote])
    tree = parse(html)
    assert tree.balanced
    assert not tree.links_nested
    # Each paragraph is an element with its number; the quote is a mark in each.
    assert tree.inside["p1"] == "1 Lukoil holds 20% of <Shah Deniz>."
    assert tree.inside["p2"] == "2 The stake grew & so did Socar's."
    assert tree.inside["q1"] == "Deniz>."
    first, second = html.split("\n\n")
    assert first.startswith('<p class="para" id="p1"><a class="para-number" href="#p1"')
    assert '<mark id="q1"><a href="/claims/q1/" title="claim q1">Deniz&gt;.</a></mark>' in first
    assert second.startswith('<p class="para" id="p2">')
    assert '<mark class="continued"><a href="/claims/q1/" title="claim q1">The stake</a>' in second
    # The numbers, then the paragraphs and the blank line between them: the whole text.
    assert (
        tree.text == "1 Lukoil holds 20% of <Shah Deniz>.\n\n2 The stake grew & so did Socar's.\n"
    )


def test_a_line_after_a_single_line_break_is_numbered_but_sits_close_under_the_last():
    html = numbered_text("Title\nwrapped line\n\nNext paragraph", [])
    assert [line.split(">")[0] for line in html.split("\n") if line] == [
        '<p class="para" id="p1"',
        '<p class="para para-line" id="p2"',
        '<p class="para" id="p3"',
    ]
