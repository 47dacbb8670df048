"""Suggested disagreements: pairs of claims from different sources that may bear on each other.

Pure: the caller gives each claim's facts; nothing here reads the database.

A pair is considered when the two claims share an entity and no source, and
either state a value in the same unit or sit on opposite sides of a word pair
about that entity. A group of more than `BLOCK` such claims of one entity
pairs nothing by itself (it would pair most of the registry, and says little). Score of a pair:

| signal | points |
| --- | ---: |
| the same unit with different values | 3 |
| opposite trend or polarity words (improve/deteriorate, rise/fall …) | 2 |
| one says "not", "no longer", "never" … and the other does not | 1 |
| each shared entity | 1, at most 3 |
| each shared topic | 1, at most 2 |

A pair is suggested when it has a sign of disagreement (different figures or
opposite wording: sharing entities and topics alone is agreement as often as
not) and scores `THRESHOLD` or more, best first. The suggested
relation: `updates` when their periods do not overlap, `contradicts` when
their figures or polarity differ, `qualifies` otherwise.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import combinations

from claims.choices import LinkRelation

BLOCK = 50
THRESHOLD = 4
DISAGREEING = {"different figures", "opposite wording"}

# Each pair: words of one direction, words of the other.
OPPOSITES = [
    (
        {"improve", "improved", "improving", "improvement"},
        {
            "deteriorate",
            "deteriorated",
            "deteriorating",
            "deterioration",
            "worsen",
            "worsened",
            "worsening",
        },
    ),
    (
        {
            "rise",
            "rose",
            "risen",
            "rising",
            "increase",
            "increased",
            "increasing",
            "grew",
            "grow",
            "growing",
            "growth",
        },
        {
            "fall",
            "fell",
            "fallen",
            "falling",
            "decrease",
            "decreased",
            "decreasing",
            "decline",
            "declined",
            "declining",
            "shrink",
            "shrank",
        },
    ),
    (
        {
            "closer",
            "rapprochement",
            "warmer",
            "warming",
            "thriving",
            "strengthen",
            "strengthened",
            "alliance",
            "ally",
            "allies",
        },
        {
            "away",
            "distance",
            "distanced",
            "cooler",
            "cooling",
            "tension",
            "tensions",
            "weaken",
            "weakened",
            "rift",
            "rival",
            "rivalry",
            "confrontation",
        },
    ),
    (
        {"support", "supported", "supports", "backed"},
        {"oppose", "opposed", "opposes", "rejected", "condemned"},
    ),
]
NEGATIONS = {"not", "no", "never", "neither", "nor", "denied", "denies", "without"}
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class ClaimFacts:
    """What the suggestions need of a claim."""

    id: int
    statement: str
    sources: frozenset[int]
    entities: frozenset[int]
    topics: frozenset[int] = frozenset()
    value: Decimal | None = None
    unit: str = ""
    year_from: int | None = None  # the period's first year (as of, else the event date)
    year_to: int | None = None  # its last year; None when open or unknown


@dataclass(frozen=True)
class Suggestion:
    """Two claims (`first` < `second`) that may disagree, the relation to consider, and why."""

    first: int
    second: int
    relation: LinkRelation
    score: int
    reasons: tuple[str, ...]


@lru_cache(maxsize=200_000)
def _words(statement: str) -> frozenset[str]:
    # Cached: a claim is scored against many others (a third of the time at 100,000).
    return frozenset(_WORD.findall(statement.lower().replace("\u2019", "'")))


def _apart(a: ClaimFacts, b: ClaimFacts) -> bool:
    """Whether the two periods do not overlap (an unknown or open end never separates)."""
    return (a.year_to is not None and b.year_from is not None and a.year_to < b.year_from) or (
        b.year_to is not None and a.year_from is not None and b.year_to < a.year_from
    )


def score(a: ClaimFacts, b: ClaimFacts) -> Suggestion | None:
    """The pair's suggestion, or None if it is not one (the same source, nothing shared)."""
    if a.sources & b.sources or a.id == b.id:
        return None
    shared = len(a.entities & b.entities)
    if not shared:
        return None
    points: dict[str, int] = {"shared entities": min(shared, 3)}
    if topics := len(a.topics & b.topics):
        points["shared topics"] = min(topics, 2)
    figures = (
        a.value is not None
        and b.value is not None
        and a.unit.strip().lower() == b.unit.strip().lower()
        and a.value != b.value
    )
    if figures:
        points["different figures"] = 3
    words_a, words_b = _words(a.statement), _words(b.statement)
    if any(
        (words_a & one and words_b & other) or (words_a & other and words_b & one)
        for one, other in OPPOSITES
    ):
        points["opposite wording"] = 2
    if bool(words_a & NEGATIONS) != bool(words_b & NEGATIONS):
        points["one negates"] = 1
    total = sum(points.values())
    if _apart(a, b):
        relation = LinkRelation.UPDATES
    elif figures or "opposite wording" in points:
        relation = LinkRelation.CONTRADICTS
    else:
        relation = LinkRelation.QUALIFIES
    first, second = sorted((a.id, b.id))
    return Suggestion(first, second, relation, total, tuple(points))


def suggest(
    claims: Sequence[ClaimFacts],
    *,
    skip: Iterable[tuple[int, int]] = (),
    limit: int | None = 50,
    block: int = BLOCK,
    threshold: int = THRESHOLD,
) -> list[Suggestion]:
    """The best pairs among `claims`, leaving out the (low id, high id) pairs in `skip`.

    Only pairs that can show a sign of disagreement are scored: claims with a value
    in the same unit about the same entity, and claims about the same entity on
    opposite sides of a word pair. Scoring every pair that shares an entity took
    half a minute at 100,000 claims.
    """
    skipped = {tuple(sorted(pair)) for pair in skip}
    figures: dict[tuple, list[ClaimFacts]] = defaultdict(list)
    sides: dict[tuple, tuple[list[ClaimFacts], list[ClaimFacts]]] = defaultdict(lambda: ([], []))
    for claim in claims:
        words = _words(claim.statement)
        for entity in claim.entities:
            if claim.value is not None:
                figures[(entity, claim.unit.strip().lower())].append(claim)
            for group, (one, other) in enumerate(OPPOSITES):
                if words & one:
                    sides[(entity, group)][0].append(claim)
                if words & other:
                    sides[(entity, group)][1].append(claim)
    candidates: list[tuple[ClaimFacts, ClaimFacts]] = []
    for members in figures.values():
        if len(members) <= block:
            candidates += combinations(members, 2)
    for firsts, seconds in sides.values():
        if len(firsts) <= block and len(seconds) <= block:
            candidates += ((a, b) for a in firsts for b in seconds)
    seen: set[tuple[int, int]] = set()
    found = []
    for a, b in candidates:
        pair = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        if pair in seen or pair in skipped:
            continue
        seen.add(pair)
        suggestion = score(a, b)
        if (
            suggestion is not None
            and suggestion.score >= threshold
            and DISAGREEING & set(suggestion.reasons)
        ):
            found.append(suggestion)
    found.sort(key=lambda s: (-s.score, s.first, s.second))
    return found[:limit]
