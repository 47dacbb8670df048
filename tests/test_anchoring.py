from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from claims import anchoring
from claims.anchoring import AmbiguousQuote, QuoteNotFound, anchor

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
SEED_TEXTS = [path.read_text(encoding="utf-8") for path in SEEDS]

TEXT = "Lukoil owns 20 % of Shah Deniz.\nThe relationship is “thriving” – for now.\n"


def test_exact_match_returns_offsets_and_source_characters():
    span = anchor(TEXT, "owns 20 % of Shah Deniz")
    assert (span.start, span.end) == (7, 30)
    assert TEXT[span.start : span.end] == span.exact == "owns 20 % of Shah Deniz"


def test_context_is_at_most_32_characters_each_side():
    span = anchor(TEXT, "relationship")
    assert span.prefix == "Lukoil owns 20 % of Shah Deniz.\nThe "[-32:]
    assert span.suffix == TEXT[span.end : span.end + 32]


def test_straight_quotes_and_hyphen_match_curly_quotes_and_en_dash():
    span = anchor(TEXT, 'is "thriving" - for now')
    assert span.exact == "is “thriving” – for now"


def test_line_breaks_and_nbsp_match_single_spaces():
    span = anchor(TEXT, "Shah\u00a0Deniz.   The  relationship")
    assert span.exact == "Shah Deniz.\nThe relationship"


def test_pasted_quote_is_trimmed_of_surrounding_white_space():
    span = anchor(TEXT, "  \n owns 20 %\t")
    assert span.exact == "owns 20 %"


def test_missing_quote_names_the_closest_passage_and_its_similarity():
    with pytest.raises(QuoteNotFound) as caught:
        anchor(TEXT, "Lukoil owns 25 % of Shah Deniz")
    assert caught.value.closest == "Lukoil owns 20 % of Shah Deniz"
    assert 80 <= caught.value.similarity < 100
    assert "closest passage" in str(caught.value)
    assert "Lukoil owns 20 % of Shah Deniz" in str(caught.value)


def test_empty_quote_is_not_found():
    with pytest.raises(QuoteNotFound):
        anchor(TEXT, "   ")


def test_repeated_quote_without_context_is_ambiguous_and_says_where():
    text = "Russia said no.\nThen Russia said no.\n"
    with pytest.raises(AmbiguousQuote) as caught:
        anchor(text, "Russia said no")
    assert caught.value.paragraphs == [1, 2]
    assert "2 times" in str(caught.value)


def test_prefix_picks_one_of_several_matches():
    text = "Russia said no.\nThen Russia said no.\n"
    assert anchor(text, "Russia said no", prefix="Then ").start == 21


def test_suffix_picks_one_of_several_matches():
    text = "Russia said no to Baku. Russia said no to Yerevan."
    assert anchor(text, "Russia said no", suffix=" to Yerevan").start == 24


def test_hint_picks_the_nearest_match():
    text = "Russia said no.\nThen Russia said no.\n"
    assert anchor(text, "Russia said no", hint=19).start == 21
    assert anchor(text, "Russia said no", hint=2).start == 0


def test_verbatim_match_wins_over_a_folded_one():
    text = 'a “b” c and a "b" c'
    assert anchor(text, "a “b” c").start == 0
    assert anchor(text, 'a "b" c').start == 12


def test_paragraph_number_counts_non_blank_lines():
    text = "one\n\ntwo\nthree"
    assert anchoring.paragraph_number(text, 0) == 1
    assert anchoring.paragraph_number(text, text.index("two")) == 2
    assert anchoring.paragraph_number(text, text.index("three")) == 3


_SPACES = st.sampled_from([" ", "  ", "\n", "\u00a0", " \n ", "\t"])
_SINGLE = st.sampled_from(["'", "\u2018", "\u2019"])
_DOUBLE = st.sampled_from(['"', "\u201c", "\u201d"])
_DASH = st.sampled_from(["-", "\u2013", "\u2014"])


@st.composite
def mangled_substrings(draw):
    """A random passage of a seed text, then how an editor's clipboard might mangle it."""
    text = draw(st.sampled_from(SEED_TEXTS))
    start = draw(st.integers(0, len(text) - 40))
    end = draw(st.integers(start + 12, min(len(text), start + 400)))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    assume(end > start)
    pasted = []
    for token in anchoring.re.findall(r"\s+|\S", text[start:end]):
        if token.isspace():
            pasted.append(draw(_SPACES))
        elif token in anchoring._SINGLE_QUOTES:
            pasted.append(draw(_SINGLE))
        elif token in anchoring._DOUBLE_QUOTES:
            pasted.append(draw(_DOUBLE))
        elif token in anchoring._DASHES:
            pasted.append(draw(_DASH))
        else:
            pasted.append(token)
    return text, start, end, "".join(pasted)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_substrings())
def test_mangled_passages_of_every_seed_anchor_to_their_original_span(case):
    text, start, end, pasted = case
    span = anchor(text, pasted, hint=start)
    assert (span.start, span.end) == (start, end)
    assert span.exact == text[start:end]


@settings(max_examples=100, deadline=None)
@given(mangled_substrings())
def test_mangled_passages_anchor_by_their_context_alone(case):
    text, start, end, pasted = case
    prefix, suffix = anchoring.context(text, start, end)
    assume(text.count(prefix + text[start:end] + suffix) == 1)
    span = anchor(text, pasted, prefix=prefix, suffix=suffix)
    assert (span.start, span.end) == (start, end)
