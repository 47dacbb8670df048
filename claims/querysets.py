"""The query pieces that need no model: the QuerySet the slugged models share,
SQL expressions and small helpers.

Each model's own QuerySet sits next to its model in models.py (the layout of
djangoproject.com), so models.py imports this module and this module imports no
model: there is no import cycle to dodge with imports inside functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, Self, TypeVar

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.expressions import Col
from django.db.models.functions import Coalesce, Concat, ExtractYear, Replace

from claims.choices import ClaimStatus

FTS_TABLE = "claims_claim_fts"  # SQLite's full-text index of claims (migration 0004)
SEARCH_CONFIG = "english"
SEARCH_VECTOR = "search_vector"  # PostgreSQL's stored tsvector column of claims (migration 0013)
# What editors type to find a claim by its number: `89` or `#89` (at most a 64-bit id).
CLAIM_NUMBER = re.compile(r"#?(\d{1,18})")

# The model of a SlugQuerySet: Topic or Entity (both have a unique slug and a name).
_Slugged = TypeVar("_Slugged", bound=models.Model)


class SlugQuerySet(models.QuerySet[_Slugged]):
    def get_by_natural_key(self, slug: str) -> _Slugged:
        """Look a row up by its slug (fixtures refer to it this way)."""
        return self.get(slug=slug)

    def ranked_for(self, term: str) -> Self:
        """Rows named `term` first, then those with an alias line equal to it, then as ordered."""
        term = term.strip()
        if not term:
            return self.order_by(*current_order(self))
        ranks = [When(name__iexact=term, then=Value(0))]
        rows = self
        if any(field.name == "aliases" for field in self.model._meta.fields):
            # One alias a line: wrap the lines in newlines so a whole line is matched.
            text = models.TextField()
            lines = Concat(
                Value("\n", output_field=text),
                Replace("aliases", Value("\r", output_field=text), Value("", output_field=text)),
                Value("\n", output_field=text),
                output_field=text,
            )
            rows = rows.alias(alias_lines=lines)
            ranks.append(When(alias_lines__icontains=f"\n{term}\n", then=Value(1)))
        rows = rows.alias(search_rank=Case(*ranks, default=Value(2)))
        return rows.order_by("search_rank", *current_order(self))

    def with_published_claim_counts(self) -> Self:
        """Annotate `claim_count`: published claims tagged with the row."""
        return self.annotate(
            claim_count=Count(
                "claims", filter=Q(claims__status=ClaimStatus.PUBLISHED), distinct=True
            )
        )

    def facets_for(self, claims: models.QuerySet[Any], *, via: str = "claims") -> Self:
        """Rows tagged on any of `claims` (through the relation `via`: `claims` for tags,
        `claims_asserted` for claimants), with `claim_count` among them, most first."""
        # The count reuses the filter's join; a claim has a tag once, so no DISTINCT.
        return (
            self.filter(**{f"{via}__in": claims.order_by().values("pk")})
            .annotate(claim_count=Count(via))
            .order_by("-claim_count", "name")
        )


class StoredSearchVector(F):
    """The claim's stored tsvector on PostgreSQL (migration 0013; not a model field).

    A column of the query's own claims table, so it follows the table's alias
    when the query becomes a subquery. An F, like any reference resolved against
    the query, but resolved to the column itself: no model field names it.
    """

    def __init__(self) -> None:
        super().__init__(SEARCH_VECTOR)

    def resolve_expression(
        self,
        query: Any | None = None,
        allow_joins: bool = True,
        reuse: set[str] | None = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> Col:
        assert query is not None  # Django resolves an expression against its query
        return Col(query.get_initial_alias(), _SEARCH_VECTOR_COLUMN)


_SEARCH_VECTOR_COLUMN = SearchVectorField()
_SEARCH_VECTOR_COLUMN.column = SEARCH_VECTOR


def claim_number(term: str) -> int | None:
    """The claim number a search term is (`89` or `#89`), or None."""
    match = CLAIM_NUMBER.fullmatch(term.strip())
    return int(match.group(1)) if match else None


def current_order(queryset: models.QuerySet) -> list:
    """The queryset's ordering (its model's by default), ending with the primary key."""
    order = list(queryset.query.order_by or queryset.model._meta.ordering)
    return order if {"pk", "-pk", "id", "-id"} & set(map(str, order)) else [*order, "pk"]


class JoinedLines(models.Aggregate):
    """The values joined with newlines, in the quotes' order (source, then position)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, char(10))"
    output_field = models.TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s, E'\\n' ORDER BY source_id, start, id)",
            **extra_context,
        )


def period_years(claim: str = "") -> tuple[ExtractYear, ExtractYear]:
    """The first and last year the claim at `claim` ("" for the row itself, or a path
    such as "from_claim__") is about: its as-of period when set, else its event date."""
    has_period = Q(**{f"{claim}as_of_start__isnull": False}) | Q(
        **{f"{claim}as_of_end__isnull": False}
    )
    start = Coalesce(f"{claim}as_of_start", f"{claim}event_date")
    end = Case(When(has_period, then=F(f"{claim}as_of_end")), default=F(f"{claim}event_date"))
    return ExtractYear(start), ExtractYear(end)


class IdList(models.Expression):
    """Ids as a subquery with a single parameter: `filter(claim__in=IdList(ids))`.

    Django prepares each value of an `__in` list on its own, about 9 µs an id:
    a third of the citation export's time went there (measured with make bench).
    """

    output_field = models.BigIntegerField()

    def __init__(self, ids: Iterable[int]) -> None:
        super().__init__()
        self.ids = [int(i) for i in ids]

    def as_sql(self, compiler, connection):
        return "SELECT unnest(%s::bigint[])", [self.ids]

    def as_sqlite(self, compiler, connection):
        # A list of parameters, not json_each(): without planner statistics SQLite
        # drove a join from the wrong table for a subquery (minutes at 100,000
        # quotes), while a list's size it knows. Past SQLite's variable limit
        # (32,766), json_each() it is.
        if len(self.ids) > 30_000:
            return "SELECT value FROM json_each(%s)", [json.dumps(self.ids)]
        return ", ".join(["%s"] * len(self.ids)) or "NULL", list(self.ids)
