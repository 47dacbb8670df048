"""One search language: each query of the table finds the same claims on SQLite and PostgreSQL.

The suite runs on both databases (`.ci/run`). On each, every query's results are
compared with what the documented syntax means, worked out here in plain Python
over the claims' indexed text: English stop words ignored (PostgreSQL's list),
words stemmed with the Snowball English stemmer PostgreSQL uses, phrases matched
word for word in order, -exclusions, and `or` between alternatives. Both
databases must agree with it, so they agree with each other.
"""

from __future__ import annotations

import re

import pytest
import snowballstemmer

from claims.models import Claim
from claims.textsearch import STOP_WORDS, Term, parse

QUERIES = [
    "lukoil",
    "LUKOIL",
    '"shah deniz"',
    "gas pipeline",
    "-lukoil",
    "-Lukoil or Armenia",
    "lukoil or socar",
    "the",
    "the balance of power",
    '"balance of power"',
    '"the balance"',
    "russia -armenia",
    "-russia -azerbaijan",
    "peacekeepers",
    "peacekeeping mission",
    "declaration -moscow",
    '"allied interaction"',
    '"interaction allied"',
    "aliyev putin",
    "aliyev or putin or medvedev",
    "Azerbaijan's",
    "2022",
    "1994 contract",
    '"contract of the century"',
    "sanctions or embargo",
    "-war",
    "war -ukraine",
    "lukoil or",
    "or lukoil",
    '"unclosed phrase',
    "SOCAR's stake",
    "deteriorating relations",
    "Nagorno-Karabakh",
    "-the lukoil",
    'gas -"shah deniz"',
    "troops -peacekeepers or tanks",
    "turkey turkish",
    "elections",
]

_WORD = re.compile(r"\w+")
_STEM = snowballstemmer.stemmer("english")


def _stem(word: str) -> str:
    return _STEM.stemWord(word.lower())


def _holds(term: Term, tokens: list[str]) -> bool:
    words = [_stem(w) for w in term.words]
    width = len(words)
    return any(tokens[i : i + width] == words for i in range(len(tokens) - width + 1))


def expected(query: str, documents: dict[int, list[str]]) -> set[int]:
    """The claims the documented syntax finds, worked out without a database."""
    groups = parse(query)
    return {
        pk
        for pk, tokens in documents.items()
        if any(all(_holds(t, tokens) != t.negated for t in group) for group in groups)
    }


@pytest.fixture
def curated(curated_registry) -> dict[int, list[str]]:
    return {
        pk: [_stem(w) for w in _WORD.findall(text)]
        for pk, text in Claim.objects.published().values_list("pk", "search_text")
    }


def test_the_table_covers_the_documented_syntax():
    assert len(QUERIES) >= 30
    assert any(q.startswith("-") for q in QUERIES)
    assert any('"' in q for q in QUERIES)
    assert any(" or " in q for q in QUERIES)
    assert any(set(q.lower().split()) <= STOP_WORDS for q in QUERIES)


def test_every_query_of_the_table_finds_what_the_syntax_says(curated):
    differences = {}
    for query in QUERIES:
        found = set(Claim.objects.published().search(query).values_list("pk", flat=True))
        wanted = expected(query, curated)
        if found != wanted:
            differences[query] = (sorted(found - wanted)[:5], sorted(wanted - found)[:5])
    assert differences == {}
    # The table is not vacuous: most queries find something, and some find nothing.
    sizes = [len(expected(q, curated)) for q in QUERIES]
    assert sum(size > 0 for size in sizes) >= 25
    assert 0 in sizes
