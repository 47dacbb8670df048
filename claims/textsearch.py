"""Web-search query syntax, parsed once and rendered for SQLite's FTS5.

PostgreSQL reads the same syntax natively (`websearch_to_tsquery`): plain
words must all match, "quoted words" match as a phrase, `-word` excludes and
`or` between terms offers alternatives. Both databases give the same results:
English stop words are ignored on both (PostgreSQL's `english` configuration
drops them, so SQLite must too), and an alternative of exclusions only
(`-lukoil or armenia`) means "every claim without them". Pure Python, no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")

# PostgreSQL 15's English stop words (share/tsearch_data/english.stop), which its
# `english` text search configuration leaves out of every query and document.
# fmt: off
STOP_WORDS = frozenset([
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "did", "do", "does", "doing", "don", "down", "during", "each", "few",
    "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
    "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of",
    "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over",
    "own", "s", "same", "she", "should", "so", "some", "such", "t", "than", "that", "the",
    "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this",
    "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were",
    "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "you",
    "your", "yours", "yourself", "yourselves",
])
# fmt: on


@dataclass(frozen=True)
class Term:
    """A word or phrase, possibly excluded."""

    words: tuple[str, ...]
    negated: bool = False


def parse(query: str) -> list[list[Term]]:
    """Alternatives (split on `or`), each a list of terms that must all hold."""
    groups: list[list[Term]] = [[]]
    for match in _TOKEN.finditer(query):
        dash, phrase, bare = match.groups()
        if bare is not None and bare.lower() == "or":
            if groups[-1]:
                groups.append([])
            continue
        negated = bool(dash) if phrase is not None else bare.startswith("-")
        text = phrase if phrase is not None else bare.lstrip("-")
        words = _without_stop_words(_WORD.findall(text), phrase=phrase is not None)
        if words:
            groups[-1].append(Term(words, negated))
    return [group for group in groups if group]


def _without_stop_words(words: list[str], *, phrase: bool) -> tuple[str, ...]:
    """The words that count: no stop words, except inside a phrase, where they keep
    the other words' places ("balance of power")."""
    counts = [word.lower() not in STOP_WORDS for word in words]
    if not phrase:
        return tuple(word for word, counted in zip(words, counts, strict=True) if counted)
    if not any(counts):
        return ()
    first = counts.index(True)
    last = len(counts) - counts[::-1].index(True)
    return tuple(words[first:last])


def _quoted(term: Term) -> str:
    return '"' + " ".join(term.words) + '"'


@dataclass(frozen=True)
class Fts5Query:
    """A query for SQLite's FTS5: a row matches `match`, or misses every term of one of
    the `excluded` expressions (an alternative of exclusions only, which FTS5 cannot
    express: "everything but")."""

    match: str
    excluded: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.match or self.excluded)


def to_fts5(query: str) -> Fts5Query:
    """The FTS5 form of `query`; false when it has no usable terms."""
    match = []
    excluded = []
    for group in parse(query):
        positive = [_quoted(t) for t in group if not t.negated]
        negative = [_quoted(t) for t in group if t.negated]
        if positive:
            match.append(
                " ".join(["(" + " AND ".join(positive) + ")", *(f"NOT {n}" for n in negative)])
            )
        else:
            excluded.append(" OR ".join(negative))
    return Fts5Query(" OR ".join(f"({m})" for m in match), tuple(excluded))
