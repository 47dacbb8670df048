"""The pure claimant suggestion: who a statement says asserts it (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.claimants import Suggestion, named_in, suggest


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "According to Rasmus Canbäck, the war was followed by an ethnic cleansing.",
            Suggestion("Rasmus Canbäck", "stated", "According to Rasmus Canbäck"),
        ),
        (
            "according to analysts of the Berlin Carnegie Center: Baku gained.",
            Suggestion(
                "analysts of the Berlin Carnegie Center",
                "stated",
                "according to analysts of the Berlin Carnegie Center",
            ),
        ),
        (
            "Rasmus Canbäck argued in 2023 that ties thrived.",
            Suggestion("Rasmus Canbäck", "stated", "Rasmus Canbäck argued"),
        ),
        (
            "Rasmus Canbäck forecast in 2023 that ties would improve.",
            Suggestion("Rasmus Canbäck", "forecast", "Rasmus Canbäck forecast"),
        ),
        (
            "Eurasia Daily Monitor reported in 2025 that relations had deteriorated.",
            Suggestion("Eurasia Daily Monitor", "reported", "Eurasia Daily Monitor reported"),
        ),
        (
            "In May 2023 Ilham Aliyev said that ties were an alliance.",
            Suggestion("In May 2023 Ilham Aliyev", "stated", "In May 2023 Ilham Aliyev said"),
        ),
        ("Lukoil holds 20% of the Shah Deniz gas field.", None),
        ("US military aid was estimated at around $58.6 million in 2018.", None),
        ("", None),
    ],
)
def test_a_statement_suggests_who_asserts_it(statement, expected):
    assert suggest(statement) == expected


def test_a_verb_far_into_the_sentence_is_not_an_attribution():
    statement = (
        "The pipeline that carries gas from the Caspian Sea across Georgia and Turkey "
        "to southern Europe was, officials said, running at full capacity."
    )
    assert suggest(statement) is None


ENTITIES = [
    (1, ["Ilham Aliyev", "Aliyev"]),
    (2, ["Heydar Aliyev"]),
    (3, ["Rasmus Canbäck"]),
    (4, ["Carnegie Russia Eurasia Center", "Berlin Carnegie Center"]),
    (5, ["Azerbaijan", "Baku"]),
]


@pytest.mark.parametrize(
    ("phrase", "keys"),
    [
        ("In May 2023 Ilham Aliyev", [1]),  # not "Aliyev" again on its own
        ("Rasmus Canback", [3]),  # accents need not be typed
        ("analysts of the Berlin Carnegie Center", [4]),
        ("official Baku and Heydar Aliyev", [5, 2]),  # in the order they are named
        ("Bakumatic analysts", []),  # whole words only
        ("nobody at all", []),
    ],
)
def test_names_and_aliases_are_found_as_whole_words(phrase, keys):
    assert named_in(phrase, ENTITIES) == keys


NAME = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=2, max_size=12
).filter(lambda word: word.lower() != "according")


@given(words=st.lists(NAME, min_size=1, max_size=4), rest=st.text(max_size=80))
def test_according_to_any_name_suggests_that_name_and_finds_its_entity(words, rest):
    name = " ".join(words)
    suggestion = suggest(f"According to {name}, {rest}")
    assert suggestion == Suggestion(name, "stated", f"According to {name}")
    assert named_in(suggestion.phrase, [("key", [name])]) == ["key"]


@given(statement=st.text(max_size=300))
def test_any_text_gives_a_suggestion_or_none_without_failing(statement):
    suggestion = suggest(statement)
    assert suggestion is None or suggestion.phrase.strip()
