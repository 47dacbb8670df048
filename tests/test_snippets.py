"""Search excerpts: the matched words found again in the statement and the quotes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from claims.snippets import MARK_END, MARK_START, excerpt, mark, marked_words, quote_excerpt


def _marked(text: str) -> str:
    return text.replace(MARK_START, "[").replace(MARK_END, "]")


def _plain(text: str) -> str:
    return text.replace(MARK_START, "").replace(MARK_END, "")


def test_marked_words_are_the_words_the_database_marked_in_lower_case():
    snippet = f"…the {MARK_START}Gas{MARK_END} {MARK_START}pipeline{MARK_END} from…"
    assert marked_words(snippet) == {"gas", "pipeline"}
    assert marked_words("no marks here") == frozenset()


def test_mark_wraps_whole_words_only_in_any_case():
    words = frozenset({"gas"})
    assert _marked(mark("Gas and gas, not Gasprom or biogas.", words)) == (
        "[Gas] and [gas], not Gasprom or biogas."
    )


def test_an_excerpt_cuts_around_the_first_match_with_ellipses():
    text = " ".join(f"w{i}" for i in range(100)) + " gas " + " ".join(f"v{i}" for i in range(100))
    found = excerpt(text, frozenset({"gas"}), before=2, after=3)
    assert _marked(found) == "…w98 w99 [gas] v0 v1 v2…"


def test_an_excerpt_of_a_short_quote_is_the_whole_quote():
    assert _marked(excerpt("Gas flows west.", frozenset({"gas"}))) == "[Gas] flows west."


def test_the_excerpt_comes_from_the_first_quote_holding_a_marked_word():
    snippet = f"Statement about {MARK_START}drones{MARK_END}."
    quotes = ["Nothing relevant.", "Russian drones struck a depot.", "More drones."]
    index, found = quote_excerpt(snippet, quotes)
    assert index == 1
    assert _marked(found) == "Russian [drones] struck a depot."


def test_no_excerpt_when_no_quote_holds_a_marked_word():
    snippet = f"{MARK_START}Lukoil{MARK_END} owns a fifth of Shah Deniz."
    assert quote_excerpt(snippet, ["Shah Deniz is a gas field."]) is None
    assert quote_excerpt("unmarked", ["anything"]) is None


words = st.frozensets(st.text(alphabet="abcxyz", min_size=1, max_size=4), max_size=3)
texts = st.text(alphabet="abcxyz .,\n", max_size=200)


@given(texts, words)
def test_marking_changes_nothing_but_the_marks(text, chosen):
    assert _plain(mark(text, chosen)) == text


@given(texts, words)
def test_an_excerpt_is_a_piece_of_the_text_that_holds_a_match(text, chosen):
    found = excerpt(text, chosen)
    if found is None:
        assert MARK_START not in mark(text, chosen)
    else:
        assert MARK_START in found
        assert _plain(found).strip("…") in text
