"""Chainable queries for the registry's models."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connections, models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Col, RawSQL
from django.db.models.functions import Coalesce, Concat, ExtractYear, Replace

from claims.choices import ClaimStatus, LinkRelation
from claims.claimants import named_in
from claims.snippets import MARK_END, MARK_START
from claims.textsearch import parse, to_fts5

FTS_TABLE = "claims_claim_fts"  # SQLite's full-text index of claims (migration 0004)
SEARCH_CONFIG = "english"
# What editors type to find a claim by its number: `89` or `#89` (at most a 64-bit id).
CLAIM_NUMBER = re.compile(r"#?(\d{1,18})")

if TYPE_CHECKING:
    from claims.models import Claim, ClaimLink


class OriginalQuerySet(models.QuerySet):
    def without_content(self) -> OriginalQuerySet:
        """Originals without their (possibly large) bytes."""
        return self.defer("content")


class SourceQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug: str):
        """Look a source up by its slug (fixtures refer to sources this way)."""
        return self.get(slug=slug)

    def public(self) -> SourceQuerySet:
        """Sources with a public page: quoted by a published (or retracted) claim."""
        return self.filter(_cited_publicly())

    def with_public_flag(self) -> SourceQuerySet:
        """Annotate `is_public`: whether the source has a public page."""
        return self.annotate(is_public=_cited_publicly())

    def sharing_original(self) -> SourceQuerySet:
        """Sources whose archived original the public may download (their licence allows)."""
        return self.filter(share_original=True, original__isnull=False)

    def with_origin(self) -> SourceQuerySet:
        """Join each source's original, without the original's bytes."""
        return self.select_related("original").defer("original__content")

    def in_reading_order(self) -> SourceQuerySet:
        """Seed sources in file order, then the others by when they were added."""
        from claims.models import Original

        seed = Q(original__kind=Original.Kind.SEED)
        return self.order_by(
            Case(When(seed, then=Value(0)), default=Value(1)),
            Case(When(seed, then=F("original__filename")), default=Value("")),
            "origin_start",
            "created_at",
            "pk",
        )

    def behind(self, claims: models.QuerySet) -> SourceQuerySet:
        """Sources quoted by any of `claims`."""
        from claims.models import Quote

        return self.filter(
            pk__in=Quote.objects.filter(claim__in=claims.values("pk")).values("source")
        )

    def for_references(self) -> SourceQuerySet:
        """With each original's kind and date (for `urldate`), but not its bytes or text."""
        return self.with_origin().defer("text")

    def with_published_claim_counts(self) -> SourceQuerySet:
        """Annotate `claim_count`: published claims quoting the source."""
        from claims.models import Quote

        # A correlated count, not a GROUP BY over the sources' columns: grouping
        # 2,000 sources with their texts took half a minute.
        quoting = (
            Quote.objects.filter(source=OuterRef("pk"), claim__status=ClaimStatus.PUBLISHED)
            .order_by()
            .values("source")
            .annotate(n=Count("claim", distinct=True))
            .values("n")
        )
        return self.annotate(
            claim_count=Coalesce(Subquery(quoting, output_field=IntegerField()), 0)
        )

    def for_citations(self, source_ids: Iterable[int]) -> SourceQuerySet:
        """Tuples of the source cells a citation needs: id, title, author, outlet,
        publication date (as stored) and its precision, URL and slug."""
        return (
            self.filter(pk__in=IdList(source_ids))
            .annotate(published_raw=_raw("published"))
            .values_list(
                "pk",
                "title",
                "author",
                "outlet",
                "published_raw",
                "published_precision",
                "url",
                "slug",
            )
        )

    def for_listing(self) -> SourceQuerySet:
        """Without the texts: what a list of sources shows."""
        return self.defer("text", "metadata_basis", "published_basis")


def _cited_publicly() -> Exists:
    """Whether a published (or retracted, so still public) claim quotes the source."""
    from claims.models import Claim, Quote

    return Exists(Quote.objects.filter(source=OuterRef("pk"), claim__status__in=Claim.PUBLIC))


class SlugQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug: str):
        """Look a row up by its slug (fixtures refer to it this way)."""
        return self.get(slug=slug)

    def ranked_for(self, term: str) -> SlugQuerySet:
        """Rows named `term` first, then those with an alias line equal to it, then as ordered."""
        term = term.strip()
        if not term:
            return self.order_by(*_current_order(self))
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
        return rows.order_by("search_rank", *_current_order(self))

    def with_published_claim_counts(self) -> SlugQuerySet:
        """Annotate `claim_count`: published claims tagged with the row."""
        return self.annotate(
            claim_count=Count(
                "claims", filter=Q(claims__status=ClaimStatus.PUBLISHED), distinct=True
            )
        )

    def facets_for(self, claims: models.QuerySet, *, via: str = "claims") -> SlugQuerySet:
        """Rows tagged on any of `claims` (through the relation `via`: `claims` for tags,
        `claims_asserted` for claimants), with `claim_count` among them, most first."""
        # The count reuses the filter's join; a claim has a tag once, so no DISTINCT.
        return (
            self.filter(**{f"{via}__in": claims.order_by().values("pk")})
            .annotate(claim_count=Count(via))
            .order_by("-claim_count", "name")
        )


class TopicQuerySet(SlugQuerySet):
    def public(self) -> TopicQuerySet:
        """Topics of a published claim: the only ones the public site shows."""
        from claims.models import Claim

        return self.filter(
            Exists(
                Claim.topics.through.objects.filter(
                    topic_id=OuterRef("pk"), claim__status=Claim.Status.PUBLISHED
                )
            )
        )


class EntityQuerySet(SlugQuerySet):
    def public(self) -> EntityQuerySet:
        """Entities a published claim names, is asserted by or is located in: public ones."""
        from claims.models import Attribution, Claim

        published = Claim.Status.PUBLISHED
        return self.filter(
            Exists(
                Claim.entities.through.objects.filter(
                    entity_id=OuterRef("pk"), claim__status=published
                )
            )
            | Exists(Attribution.objects.filter(entity_id=OuterRef("pk"), claim__status=published))
            | Exists(Claim.objects.filter(place_id=OuterRef("pk"), status=published))
        )

    def named_in(self, phrase: str, limit: int = 5) -> list:
        """Entities whose name or an alias occurs in `phrase` as whole words, in its order."""
        rows = {row.pk: row for row in self.only("pk", "name", "slug", "kind", "aliases")}
        found = named_in(phrase, ((pk, [r.name, *r.alias_list]) for pk, r in rows.items()))
        return [rows[pk] for pk in found[:limit]]


class StoredSearchVector(models.Expression):
    """The claim's stored tsvector on PostgreSQL (migration 0013; not a model field).

    A column of the query's own claims table, so it follows the table's alias
    when the query becomes a subquery.
    """

    output_field = SearchVectorField()

    def resolve_expression(self, query=None, *args, **kwargs) -> Col:
        return Col(query.get_initial_alias(), _SEARCH_VECTOR_COLUMN, self.output_field)


_SEARCH_VECTOR_COLUMN = SearchVectorField()
_SEARCH_VECTOR_COLUMN.column = "search_vector"


class ClaimQuerySet(models.QuerySet):
    def published(self) -> ClaimQuerySet:
        """Only claims the public may see."""
        return self.filter(status=ClaimStatus.PUBLISHED)

    def dated(self) -> ClaimQuerySet:
        """Only claims with an event date."""
        return self.filter(event_date__isnull=False)

    def number_first(self, number: int | None) -> ClaimQuerySet:
        """Claim `number` (if given) first, then as ordered (explicitly, for pagination)."""
        if number is None:
            return self.order_by(*_current_order(self))
        first = Case(When(pk=number, then=Value(0)), default=Value(1))
        return self.alias(number_rank=first).order_by("number_rank", *_current_order(self))

    def for_source(self, slug: str) -> ClaimQuerySet:
        """Claims with at least one quote from the source `slug`."""
        return self.filter(pk__in=_quoting(quotes__source__slug=slug))

    def for_outlet(self, outlet: str) -> ClaimQuerySet:
        """Claims with at least one quote from a source of `outlet` (any case)."""
        return self.filter(pk__in=_quoting(quotes__source__outlet__iexact=outlet.strip()))

    def with_link(self, relation: str) -> ClaimQuerySet:
        """Claims with at least one link of `relation` to a published claim."""
        from claims.models import ClaimLink

        linked = ClaimLink.objects.public().for_relation(relation)
        return self.filter(
            Q(pk__in=linked.values("from_claim")) | Q(pk__in=linked.values("to_claim"))
        )

    def visible(self) -> ClaimQuerySet:
        """Claims that have a public page: published, or retracted with a notice."""
        return self.filter(status__in=self.model.PUBLIC)

    def search(self, query: str) -> ClaimQuerySet:
        """Claims matching a web-search query, with a marked `snippet`, orderable by `rank`.

        Plain words must all match, "quoted words" form a phrase, -word excludes
        and `or` offers alternatives, on PostgreSQL and SQLite alike.
        """
        # `rank` is an alias: only ORDER BY reads it, so a page's rows never compute it
        # (bm25() per row of a page re-read the terms' whole index: 70 ms on SQLite).
        if not parse(query):
            return self.alias(rank=Value(0.0)).annotate(snippet=Value("")).none()
        if connections[self.db].vendor == "postgresql":
            terms = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
            vector = StoredSearchVector()
            return (
                self.alias(search_vector=vector)
                .filter(search_vector=terms)
                .alias(rank=SearchRank(vector, terms))
                .annotate(
                    snippet=SearchHeadline(
                        "search_text",
                        terms,
                        config=SEARCH_CONFIG,
                        start_sel=MARK_START,
                        stop_sel=MARK_END,
                        max_words=30,
                        min_words=12,
                    ),
                )
            )
        fts = to_fts5(query)
        if fts.excluded:
            # "Everything but" cannot be one MATCH: each alternative is a set of rowids.
            def matching(expression: str) -> RawSQL:
                return RawSQL(
                    "SELECT rowid FROM claims_claim_fts WHERE claims_claim_fts MATCH %s",
                    [expression],
                )

            condition = Q(pk__in=matching(fts.match)) if fts.match else Q(pk__in=[])
            for excluded in fts.excluded:
                condition |= ~Q(pk__in=matching(excluded))
            return self.filter(condition).alias(rank=Value(0.0)).annotate(snippet=Value(""))
        match = fts.match
        # One join with the index: FTS5 finds the matches once, and bm25() and
        # snippet() read the joined row (correlated subqueries ran MATCH per claim).
        # The planner puts the index first once ANALYZE has run (services.analyze).
        return (
            self.filter(search_index__search_text__match=match)
            .alias(rank=RawSQL("-bm25(claims_claim_fts)", []))
            .annotate(
                snippet=RawSQL(
                    "snippet(claims_claim_fts, 0, %s, %s, '…', 24)", [MARK_START, MARK_END]
                )
            )
        )

    def among(self, pks: list[int]) -> ClaimQuerySet:
        """Only the claims `pks` (a page of them), read by key."""
        rows = self.filter(pk__in=pks)
        if any(join.table_name == FTS_TABLE for join in self.query.alias_map.values()):
            # A SQLite search: narrow the index to these rows as well, or FTS5 reads
            # every match again to find them (23 ms instead of 2 at 100,000 claims).
            # A list of values, not a subquery: FTS5 then seeks each row once.
            ids = [int(pk) for pk in pks] or [0]
            narrowed = RawSQL(
                f'"{FTS_TABLE}"."rowid" IN ({", ".join(["%s"] * len(ids))})',
                ids,
                output_field=models.BooleanField(),
            )
            rows = rows.filter(narrowed)
        return rows

    def with_public_link_counts(self) -> ClaimQuerySet:
        """Annotate `contradiction_count` and `public_link_count` (published partners only)."""
        from claims.models import ClaimLink

        def count(**where) -> Coalesce:
            out = ClaimLink.objects.filter(
                from_claim=OuterRef("pk"), to_claim__status=ClaimStatus.PUBLISHED, **where
            )
            into = ClaimLink.objects.filter(
                to_claim=OuterRef("pk"), from_claim__status=ClaimStatus.PUBLISHED, **where
            )
            return Coalesce(_count(out, "from_claim"), 0) + Coalesce(_count(into, "to_claim"), 0)

        return self.annotate(
            contradiction_count=count(relation=LinkRelation.CONTRADICTS), public_link_count=count()
        )

    def for_list(self) -> ClaimQuerySet:
        """What a claim row shows: topics, claimants, cited sources and link badges."""
        from claims.models import Quote

        # Not the search text (the statement and every quote again): no row shows it.
        return (
            self.defer("search_text")
            .with_public_link_counts()
            .prefetch_related(
                "topics",
                _attributions(),
                Prefetch(
                    "quotes",
                    queryset=Quote.objects.with_source_meta().order_by("source__title", "start"),
                ),
            )
        )

    def measures_in_use(self, limit: int = 200) -> list[str]:
        """The distinct measures editors have written, alphabetically (form suggestions)."""
        rows = self.exclude(measure="").order_by("measure").values_list("measure", flat=True)
        return list(rows.distinct()[:limit])

    def with_period_years(self) -> ClaimQuerySet:
        """Annotate `period_from_year` and `period_to_year`: the years a claim is about.

        Its as-of period when set (an open end stays NULL), else its event date's
        year; so two claims about different periods can be told apart in SQL.
        """
        start, end = period_years()
        return self.annotate(period_from_year=start, period_to_year=end)

    def most_contested(self) -> ClaimQuerySet:
        """Claims with the most contradicts links to published claims, most first."""
        return (
            self.with_public_link_counts()
            .filter(contradiction_count__gt=0)
            .order_by("-contradiction_count", F("event_date").desc(nulls_last=True), "pk")
        )

    def for_citations(self) -> ClaimQuerySet:
        """Tuples of the claim cells a citation needs, newest first (the export's order)."""
        # Dates and the value come as the driver gives them (a date or ISO text,
        # a number): Django's per-row converters cost a quarter of the export's
        # time, and the CSV only needs their text (measured with make bench).
        return (
            self.order_by(F("event_date").desc(nulls_last=True), "-pk")
            .with_version_number()
            .annotate(
                event_date_raw=_raw("event_date"),
                value_raw=_raw("value"),
                as_of_start_raw=_raw("as_of_start"),
                as_of_end_raw=_raw("as_of_end"),
            )
            .values_list(
                "pk",
                "statement",
                "status",
                "event_date_raw",
                "event_date_precision",
                "value_raw",
                "unit",
                "as_of_start_raw",
                "as_of_start_precision",
                "as_of_end_raw",
                "as_of_end_precision",
                "measure",
                "place__name",
                "version_number",
            )
        )

    def with_version_number(self) -> ClaimQuerySet:
        """Annotate `version_number`: the number of the claim's newest public version (or None)."""
        # A correlated subquery, read from the unique (claim, number) index: one index
        # seek per claim, no query per row, and nothing denormalised onto the claim
        # that a full save() of an older in-memory claim could write back stale.
        return self.annotate(version_number=newest_version_number())

    def refresh_search_text(self) -> int:
        """Recompute `search_text` (statement and quotes, one a line) in one UPDATE."""
        from claims.models import Quote

        # Set-based: a Python loop over 100,000 claims took a minute and, on SQLite,
        # ran out of SQL variables past 333,000 claims.
        quotes = (
            Quote.objects.filter(claim=OuterRef("pk"))
            .order_by()
            .values("claim")
            .annotate(lines=JoinedLines("exact"))
            .values("lines")
        )
        text = models.TextField()
        joined = Coalesce(Subquery(quotes, output_field=text), Value("", output_field=text))
        separator = Case(
            When(Exists(Quote.objects.filter(claim=OuterRef("pk"))), then=Value("\n")),
            default=Value(""),
            output_field=text,
        )
        return self.order_by().update(
            search_text=Concat("statement", separator, joined, output_field=text)
        )

    def with_counts(self) -> ClaimQuerySet:
        """Annotate `quote_count` and `link_count` (links in either direction)."""
        from claims.models import ClaimLink, Quote

        # Correlated counts, not COUNT(DISTINCT) over joins: the admin list shows a
        # page of claims, and grouping every claim first took seconds at 100,000.
        quotes = _count(Quote.objects.filter(claim=OuterRef("pk")), "claim")
        out = _count(ClaimLink.objects.filter(from_claim=OuterRef("pk")), "from_claim")
        into = _count(ClaimLink.objects.filter(to_claim=OuterRef("pk")), "to_claim")
        return self.annotate(
            quote_count=Coalesce(quotes, 0),
            link_count=Coalesce(out, 0) + Coalesce(into, 0),
        )

    def with_evidence(self, *, source_text: bool = False) -> ClaimQuerySet:
        """Prefetch quotes with their sources (texts only if asked), topics and entities."""
        from claims.models import Quote

        quotes = Quote.objects.select_related("source")
        return self.select_related("place").prefetch_related(
            Prefetch("quotes", queryset=quotes if source_text else quotes.with_source_meta()),
            "topics",
            "entities",
            _attributions(),
        )

    def unrecorded(self) -> ClaimQuerySet:
        """Claims whose current status no workflow step records (e.g. loaded from a fixture)."""
        from claims.models import StatusChange

        steps = StatusChange.objects.filter(claim=OuterRef("pk"), to_status=OuterRef("status"))
        return self.exclude(Exists(steps))

    def with_published_at(self) -> ClaimQuerySet:
        """Annotate `published_at`: when a reviewer first published the claim (None when
        no step records it, e.g. a claim loaded from a fixture)."""
        from claims.models import Claim, StatusChange

        first = StatusChange.objects.filter(
            claim=OuterRef("pk"), to_status=Claim.Status.PUBLISHED
        ).order_by("changed_at", "pk")
        return self.annotate(published_at=Subquery(first.values("changed_at")[:1]))

    def in_review_queue(self) -> ClaimQuerySet:
        """Claims in review, oldest first, with `sent_at` and `sent_by` (who sent each)."""
        from claims.models import StatusChange

        sent = StatusChange.objects.filter(
            claim=OuterRef("pk"), to_status=ClaimStatus.REVIEW
        ).order_by("-changed_at", "-pk")
        return (
            self.filter(status=ClaimStatus.REVIEW)
            .annotate(
                sent_at=Subquery(sent.values("changed_at")[:1]),
                sent_by=Subquery(sent.values("changed_by__username")[:1]),
            )
            .order_by(F("sent_at").asc(nulls_first=True), "pk")
        )


def newest_version_number(claim: str = "pk") -> Subquery:
    """The number of the newest version of the claim at `claim` (a path from the query's row)."""
    from claims.models import ClaimVersion

    newest = ClaimVersion.objects.filter(claim=OuterRef(claim)).order_by("-number")
    return Subquery(newest.values("number")[:1], output_field=IntegerField())


class ClaimVersionQuerySet(models.QuerySet):
    def of_public_claims(self) -> ClaimVersionQuerySet:
        """Versions of claims that have a public page now (published or retracted)."""
        from claims.models import Claim

        return self.filter(claim__status__in=Claim.PUBLIC)

    def newest(self) -> ClaimVersionQuerySet:
        """Each claim's newest version only."""
        newer = self.model.objects.filter(claim=OuterRef("claim"), number__gt=OuterRef("number"))
        return self.filter(~Exists(newer))

    def without_content(self) -> ClaimVersionQuerySet:
        """Numbers, dates and statements only: what a list of versions shows."""
        return self.defer("content")


def claim_number(term: str) -> int | None:
    """The claim number a search term is (`89` or `#89`), or None."""
    match = CLAIM_NUMBER.fullmatch(term.strip())
    return int(match.group(1)) if match else None


def _current_order(queryset: models.QuerySet) -> list:
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


def _attributions() -> Prefetch:
    """A claim's claimants with their entities, in the editor's order, as the list
    `claimant_rows` (read through Claim.claimants_shown)."""
    from claims.models import Attribution

    # A list attribute, not the related manager's cache: Django then clones the
    # prefetch queryset once per claim (its select_related deep-copied each time),
    # which cost a list page 3 ms. Only what is shown of each entity.
    rows = Attribution.objects.select_related("entity").only(
        "claim_id", "role", "entity__slug", "entity__name", "entity__kind"
    )
    return Prefetch("attributions", queryset=rows, to_attr="claimant_rows")


def _raw(field: str) -> ExpressionWrapper:
    """A column read without Django's conversion of its values."""
    return ExpressionWrapper(F(field), output_field=models.TextField())


def _quoting(**where) -> models.QuerySet:
    """The ids of claims with a quote matching `where`, as a subquery."""
    from claims.models import Claim

    return Claim.objects.filter(**where).values("pk")


def _count(queryset: models.QuerySet, group: str) -> Subquery:
    """A correlated COUNT(*) of `queryset` grouped by `group`."""
    return Subquery(
        queryset.order_by().values(group).annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


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


class QuoteQuerySet(models.QuerySet):
    def published(self) -> QuoteQuerySet:
        """Quotes of published claims."""
        return self.filter(claim__status=ClaimStatus.PUBLISHED)

    def with_source_meta(self) -> QuoteQuerySet:
        """Join each quote's source without its (long) text."""
        return self.select_related("source").defer("source__text")

    def for_citations(self, claim_ids: Iterable[int]) -> QuoteQuerySet:
        """The quotes of `claim_ids` as tuples (claim, source, exact, start, end, locator),
        in each claim's citation order: by source title, then position."""
        return (
            self.filter(claim__in=IdList(claim_ids))
            .order_by("source__title", "start", "pk")
            .values_list("claim_id", "source_id", "exact", "start", "end", "locator")
        )

    def for_report(self) -> QuoteQuerySet:
        """Quotes with the source columns a report needs, in a stable order."""
        return (
            self.select_related("source__original")
            .defer("source__original__content")
            .order_by("claim_id", "source__slug", "start", "pk")
        )


class StatusChangeQuerySet(models.QuerySet):
    def announced(self) -> StatusChangeQuerySet:
        """Steps that published or retracted a claim that is public now, newest first."""
        from claims.models import Claim

        return self.filter(
            to_status__in=(Claim.Status.PUBLISHED, Claim.Status.RETRACTED),
            claim__status__in=Claim.PUBLIC,
        ).order_by("-changed_at", "-pk")


class ClaimLinkQuerySet(models.QuerySet):
    def involving(self, claim: Claim) -> ClaimLinkQuerySet:
        """Links from `claim`, plus symmetric links that point at it."""
        from claims.models import ClaimLink

        return self.filter(
            Q(from_claim=claim) | Q(to_claim=claim, relation__in=ClaimLink.SYMMETRIC)
        )

    def repeated_by(self, link: ClaimLink) -> ClaimLinkQuerySet:
        """Other stored links that `link` repeats: the same one, or a symmetric one reversed."""
        from claims.models import ClaimLink

        same = Q(from_claim=link.from_claim_id, to_claim=link.to_claim_id)
        if link.relation in ClaimLink.SYMMETRIC:
            same |= Q(from_claim=link.to_claim_id, to_claim=link.from_claim_id)
        return self.filter(same, relation=link.relation).exclude(pk=link.pk)

    def for_relation(self, relation: str) -> ClaimLinkQuerySet:
        """Links of one relation type."""
        return self.filter(relation=relation)

    def touching(self, claims) -> ClaimLinkQuerySet:
        """Links with either end among `claims` (a queryset of claims, or claims or ids)."""
        if isinstance(claims, models.QuerySet):
            claims = claims.values("pk")
        return self.filter(Q(from_claim__in=claims) | Q(to_claim__in=claims))

    def with_period_check(self) -> ClaimLinkQuerySet:
        """Annotate `different_periods` (the two claims' years do not overlap, by their
        as-of periods where set, else their event dates) and `needs_period_check` (a
        contradiction between different periods that no reviewer has confirmed)."""
        from claims.models import ClaimLink

        first_from, first_to = period_years("from_claim__")
        second_from, second_to = period_years("to_claim__")
        # NULL (an open end, or no date) compares as unknown, so it never separates.
        apart = Q(first_to__lt=F("second_from")) | Q(second_to__lt=F("first_from"))
        return self.alias(
            first_from=first_from,
            first_to=first_to,
            second_from=second_from,
            second_to=second_to,
        ).annotate(
            different_periods=Case(
                When(apart, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            needs_period_check=Case(
                When(
                    apart,
                    relation=ClaimLink.Relation.CONTRADICTS,
                    period_confirmed_at__isnull=True,
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )

    def public(self) -> ClaimLinkQuerySet:
        """Links whose two claims are both published."""
        return self.filter(
            from_claim__status=ClaimStatus.PUBLISHED, to_claim__status=ClaimStatus.PUBLISHED
        )

    def with_sides(self) -> ClaimLinkQuerySet:
        """Both claims with their quotes, sources and topics, for side-by-side display."""
        from claims.models import Quote

        quotes = Quote.objects.with_source_meta().order_by("start")
        return self.select_related("from_claim", "to_claim").prefetch_related(
            Prefetch("from_claim__quotes", queryset=quotes),
            Prefetch("to_claim__quotes", queryset=quotes),
            "from_claim__topics",
            "to_claim__topics",
        )
