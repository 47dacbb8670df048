"""Counts for a filtered claim list (facets, pages), cached until the registry changes."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, NamedTuple

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections, models
from django.db.models import F
from django.utils.functional import cached_property

if TYPE_CHECKING:
    from claims.models import Claim, ClaimQuerySet, Entity, Topic

TTL = 3600  # seconds; a change moves the generation on long before that


def _key(kind: str, queryset: models.QuerySet, generation: str, extra: str = "") -> str | None:
    """A cache key for `queryset` (its SQL) in `generation`; None if it can match nothing."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    digest = hashlib.sha256(f"{sql}|{params!r}|{extra}".encode()).hexdigest()
    return f"{kind}:{generation}:{digest}"


def _cached(key: str | None, compute):
    if key is None:
        return compute()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TTL)
    return value


class CachedCountPaginator(Paginator):
    """A paginator of claims whose count is cached per filter state until the registry changes.

    `generation` is RegistryState.current(), read once per request by the view.
    """

    object_list: ClaimQuerySet

    def __init__(self, object_list: ClaimQuerySet, *args, generation: str, **kwargs) -> None:
        super().__init__(object_list, *args, **kwargs)
        self.generation = generation

    @cached_property
    def count(self) -> int:
        return cached_count(self.object_list, generation=self.generation)

    def page(self, number: int | str) -> Page[Claim]:
        """The page's rows in two steps: its keys in order, then only those rows.

        One query with OFFSET computed every row's annotations (link counts, rank,
        snippet) for all the rows it skipped: the last of 3,596 pages took 650 ms
        on PostgreSQL. The keys alone come from an index.
        """
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        pks = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.order_by().among(pks)}
        return Page([rows[pk] for pk in pks if pk in rows], number, self)


def cached_count(queryset: models.QuerySet, *, generation: str) -> int:
    """`queryset.count()`, cached per filter state until the registry changes."""
    queryset = queryset.order_by()
    return _cached(_key("count", queryset, generation), queryset.count)


class Facets:
    """Facet counts over one filtered list of claims, cached per filter state.

    Exact counts over 100,000 claims take a fifth of a second on SQLite; the key
    is the claims query itself and the registry generation, so a publish, an
    edit or a retagging is seen by the very next request. The query's SQL is
    compiled once for all of a page's facets.
    """

    def __init__(self, claims: models.QuerySet, *, generation: str) -> None:
        self.claims = claims
        self.key = _key("facets", claims.order_by().values("pk"), generation)

    def rows(
        self, model: type[Topic | Entity], *, via: str = "claims", limit: int | None = None
    ) -> list[FacetRow]:
        """`model.objects.facets_for(claims, via=via)[:limit]` as FacetRows."""
        # Plain tuples, not model instances: unpickling 25 entities from the cache
        # cost more than the rest of the facet.
        key = self.key and f"{self.key}:{model._meta.label_lower}:{via}:{limit}"

        def compute() -> list[FacetRow]:
            # Built only on a miss: building the query alone cost 1 ms a facet.
            rows = model.objects.facets_for(self.claims, via=via)
            # F("claim_count"), not the name: the type checker checks names against
            # the model's fields and cannot see the annotation facets_for made.
            columns = rows.values_list("slug", "name", F("claim_count"))
            return [FacetRow(*row) for row in columns[:limit]]

        return _cached(key, compute)


class FacetRow(NamedTuple):
    """A tag or claimant and how many of the listed claims it has."""

    slug: str
    name: str
    claim_count: int


def facet_rows(model: type[Topic | Entity], claims: models.QuerySet, *, generation: str) -> list:
    """Rows of `model` (instances) with `claim_count` among `claims`, cached per filter state."""
    key = _key(f"facet-rows:{model._meta.label_lower}", claims.order_by().values("pk"), generation)
    return _cached(key, lambda: list(model.objects.facets_for(claims)))


def cached_pks(queryset: models.QuerySet, *, generation: str, limit: int) -> list[int]:
    """The first `limit` primary keys of `queryset`, in its order, cached per generation."""
    pks = queryset.values_list("pk", flat=True)[:limit]
    return _cached(_key("pks", pks, generation), lambda: list(pks))


def page_key(url: str, generation: str) -> str:
    """The cache key of the rendered public page at `url` in `generation`."""
    return f"page:{generation}:{hashlib.sha256(url.encode()).hexdigest()}"


def estimated_rows(model: type[models.Model], *, using: str) -> int | None:
    """The number of rows in `model`'s table by the database's statistics; None if it has none.

    PostgreSQL keeps it in pg_class.reltuples (autovacuum's ANALYZE), SQLite in
    sqlite_stat1 (services.analyze and the connection hook in claims.signals).
    """
    connection = connections[using]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
            row = cursor.fetchone()
            return int(row[0]) if row and row[0] >= 0 else None
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone():
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
        row = cursor.fetchone()
        return int(row[0].split()[0]) if row else None


class EstimatedCountPaginator(Paginator):
    """The admin's paginator: an unfiltered list of a large table is counted from statistics.

    An exact COUNT(*) reads every row (100,000 claims on every changelist view);
    the estimate is marked `estimated` and the changelist says "about". Filtered
    lists and tables under `threshold` rows are counted exactly.
    """

    threshold = 10_000
    estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, models.QuerySet) and not queryset.query.where:
            rows = estimated_rows(queryset.model, using=queryset.db)
            if rows is not None and rows >= self.threshold:
                self.estimated = True
                return rows
        return super().count
