"""Web-search query syntax, parsed once and rendered for SQLite's FTS5.

PostgreSQL reads the same syntax natively (`websearch_to_tsquery`): plain
words must all match, "quoted words" match as a phrase, `-word` excludes and
`or` between terms offers alternatives. Pure Python, no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


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
        words = tuple(_WORD.findall(text))
        if words:
            groups[-1].append(Term(words, negated))
    return [group for group in groups if group]


def _quoted(term: Term) -> str:
    return '"' + " ".join(term.words) + '"'


def to_fts5(query: str) -> tuple[str, bool]:
    """An FTS5 MATCH expression and whether it names rows to exclude.

    FTS5 cannot match "everything but": a query of exclusions only comes back
    as the terms to exclude, with the flag set. An empty string means no
    usable terms.
    """
    groups = parse(query)
    rendered = []
    for group in groups:
        positive = [_quoted(t) for t in group if not t.negated]
        negative = [_quoted(t) for t in group if t.negated]
        if positive:
            rendered.append(
                " ".join(["(" + " AND ".join(positive) + ")", *(f"NOT {n}" for n in negative)])
            )
    if rendered:
        return " OR ".join(f"({r})" for r in rendered), False
    excluded = [_quoted(t) for group in groups for t in group]
    return " OR ".join(excluded), bool(excluded)
