from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterable
from typing import Any, ClassVar, Self, overload

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression, RawSQL
from django.db.models.functions import Coalesce, Concat, Greatest, Least, Length
from django.db.models.lookups import GreaterThan
from django.urls import reverse
from simple_history.models import HistoricalRecords

from claims.choices import ClaimStatus, DatePrecision, LinkRelation
from claims.claimants import named_in
from claims.dates import format_partial_date, period_display
from claims.querysets import (
    FTS_TABLE,
    SEARCH_CONFIG,
    IdList,
    JoinedLines,
    SlugQuerySet,
    StoredSearchVector,
    current_order,
    period_years,
)
from claims.snippets import MARK_END, MARK_START
from claims.textsearch import parse, to_fts5
from claims.validators import exact_decimal, multi_line, one_line


def _date_matches_precision(field: str) -> Q:
    """A date is set exactly when its precision is known."""
    return Q(**{f"{field}__isnull": True, f"{field}_precision": DatePrecision.UNKNOWN}) | Q(
        Q(**{f"{field}__isnull": False}) & ~Q(**{f"{field}_precision": DatePrecision.UNKNOWN})
    )


class AtPrecision:
    """A model's date field as text at its real precision (format_partial_date of the
    field and its `<field>_precision`): a read-only attribute such as `published_display`."""

    def __init__(self, field: str) -> None:
        self.field = field

    @overload
    def __get__(self, instance: None, owner: type) -> Self: ...

    @overload
    def __get__(self, instance: models.Model, owner: type) -> str: ...

    def __get__(self, instance: models.Model | None, owner: type) -> Self | str:
        if instance is None:
            return self
        field = self.field
        return format_partial_date(
            getattr(instance, field), getattr(instance, f"{field}_precision")
        )


def _precision_field() -> models.CharField:
    """How precise the date field of the same name (less `_precision`) is."""
    return models.CharField(max_length=10, choices=DatePrecision, default=DatePrecision.UNKNOWN)


def _by_editor(**options: Any) -> models.ForeignKey:
    """Who did something: an editor's account. The row outlives the account (the column
    is cleared) and a user has no way back to the rows (related_name "+")."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", **options
    )


def _raw(field: str) -> ExpressionWrapper:
    """A column read without Django's conversion of its values."""
    return ExpressionWrapper(F(field), output_field=models.TextField())


def _count(queryset: models.QuerySet, group: str) -> Subquery:
    """A correlated COUNT(*) of `queryset` grouped by `group`."""
    return Subquery(
        queryset.order_by().values(group).annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


class StaleEdit(Exception):
    """A save from an older version of a row: someone else saved it in between."""

    def __init__(self, instance: models.Model) -> None:
        self.instance = instance
        super().__init__(
            f"{instance._meta.verbose_name} {instance.pk} was changed by someone else; "
            f"nothing was saved."
        )


class Versioned(models.Model):
    """Optimistic concurrency: every save raises `version`, and a stale one is refused.

    A save names the version it started from (the form's hidden field, or the
    row as loaded); the database moves it on only if that is still current, in
    one UPDATE, so two saves from the same version can never both succeed.
    """

    version = models.PositiveIntegerField(
        default=1, help_text="Raised by one on every save; a save from an older one is refused."
    )
    # Set before a save, simple_history records it as the new history row's reason.
    _change_reason: str | None

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self._state.adding:
            return super().save(*args, **kwargs)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        # Where Model.save() will write: the router's choice, not the database the
        # object was read from (a read replica, with DATABASE_REPLICA_URLS).
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            moved = (
                type(self)
                ._base_manager.using(using)
                .filter(pk=self.pk, version=self.version)
                .update(version=F("version") + 1)
            )
            if not moved:
                raise StaleEdit(self)
            self.version += 1
            super().save(*args, **kwargs)


class SlugPage(models.Model):
    """A row with a public page at its slug, which is also its natural key: fixtures
    (and the snapshot's tables) refer to the row by it."""

    # Each model declares its own slug field: where it stands among the fields is the
    # order of the admin's form.
    slug: models.SlugField
    page_route: ClassVar[str]  # the URL name of its page, which takes the slug

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        return reverse(self.page_route, args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class OriginalQuerySet(models.QuerySet["Original"]):
    def without_content(self) -> OriginalQuerySet:
        """Originals without their (possibly large) bytes."""
        return self.defer("content")


class Original(models.Model):
    """The bytes a source's text came from, exactly as received, so every text traces to them."""

    class Kind(models.TextChoices):
        SEED = "seed", "Seed file"
        PASTE = "paste", "Pasted text"
        FILE = "file", "Uploaded file"
        URL = "url", "Fetched URL"

    kind = models.CharField(max_length=10, choices=Kind)
    content = models.BinaryField(help_text="The file, page or pasted text, byte for byte.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the content.")
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    media_type = models.CharField(max_length=120, help_text="The detected media type.")
    declared_type = models.CharField(
        max_length=200, blank=True, help_text="The Content-Type the server or browser declared."
    )
    filename = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=2000, blank=True, help_text="The address as typed.")
    final_url = models.URLField(max_length=2000, blank=True, help_text="After redirects.")
    received_at = models.DateTimeField(help_text="When it was read, uploaded or fetched.")
    received_by = _by_editor(blank=True)

    objects = OriginalQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["kind"], name="original_kind_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                name="original_unique_sha256",
                violation_error_message="This original is already stored.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["seed", "paste", "file", "url"]), name="original_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0) & ~Q(media_type=""), name="original_not_empty"
            ),
        ]

    def __str__(self) -> str:
        name = self.final_url or self.url or self.filename or self.get_kind_display()
        return f"{name} ({self.media_type}, {self.size} bytes)"

    @property
    def is_fetched(self) -> bool:
        """Whether it was fetched from a URL (the source page says from where and when)."""
        return self.kind == self.Kind.URL

    # What readers call each kind of document the registry takes in.
    DOCUMENT_KINDS = {
        "text/html": "HTML page",
        "application/pdf": "PDF",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
            "Word document (DOCX)"
        ),
        "text/plain": "Plain text",
    }

    @property
    def document_kind(self) -> str:
        """The kind of document in words ("HTML page", "PDF"), else its media type."""
        return self.DOCUMENT_KINDS.get(self.media_type, self.media_type)

    # The file name extension of each media type the registry takes in.
    EXTENSIONS = {
        "text/html": ".html",
        "application/pdf": ".pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
        "text/plain": ".txt",
    }

    @property
    def content_type(self) -> str:
        """The media type to serve it as, with the charset the server or browser declared
        for it (a text's bytes are served as received, never re-encoded)."""
        declared, _, params = self.declared_type.partition(";")
        if declared.strip().lower() == self.media_type:
            for param in params.split(";"):
                name, _, value = param.strip().partition("=")
                charset = value.strip().strip('"')
                if name.lower() == "charset" and charset:
                    return f"{self.media_type}; charset={charset}"
        return self.media_type


class SourceQuerySet(models.QuerySet["Source"]):
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
        return self.filter(
            pk__in=Quote.objects.filter(claim__in=claims.values("pk")).values("source")
        )

    def for_references(self) -> SourceQuerySet:
        """With each original's kind and date (for `urldate`), but not its bytes or text."""
        return self.with_origin().defer("text")

    def with_published_claim_counts(self) -> SourceQuerySet:
        """Annotate `claim_count`: published claims quoting the source."""
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
        """The sources a citation export needs, with `published_raw`: the publication
        date as stored (the export's columns pick the values they read)."""
        return self.filter(pk__in=IdList(source_ids)).annotate(published_raw=_raw("published"))

    def for_listing(self) -> SourceQuerySet:
        """Without the texts: what a list of sources shows."""
        return self.defer("text", "metadata_basis", "published_basis")


def _cited_publicly() -> Exists:
    """Whether a published (or retracted, so still public) claim quotes the source."""
    return Exists(Quote.objects.filter(source=OuterRef("pk"), claim__status__in=Claim.PUBLIC))


class Source(Versioned, SlugPage):
    page_route = "claims:source-detail"

    class Kind(models.TextChoices):
        ANALYSIS = "analysis", "Analysis"
        NEWS = "news", "News"
        ACADEMIC = "academic", "Academic"
        OP_ED = "op-ed", "Op-ed"

    title = models.CharField(max_length=300, validators=[one_line])
    slug = models.SlugField(max_length=100, unique=True)
    author = models.CharField(
        max_length=200, blank=True, help_text="Blank when unknown.", validators=[one_line]
    )
    outlet = models.CharField(max_length=200, blank=True, validators=[one_line])
    url = models.URLField(max_length=500, blank=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.ANALYSIS)
    language = models.CharField(max_length=10, default="en")
    published = models.DateField(null=True, blank=True)
    published_precision = _precision_field()
    published_basis = models.TextField(
        blank=True, help_text="The words in the text that give the date, or how it was inferred."
    )
    metadata_basis = models.JSONField(
        default=dict,
        blank=True,
        help_text="Where each filled-in value came from, by field name.",
    )
    text = models.TextField(help_text="The article body, derived from the original.")
    original = models.ForeignKey(
        Original,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sources",
        help_text="The bytes the text was derived from.",
    )
    origin_start = models.PositiveIntegerField(
        null=True, blank=True, help_text="Where the text starts in the original (seed files)."
    )
    origin_end = models.PositiveIntegerField(
        null=True, blank=True, help_text="Where the text ends in the original (exclusive)."
    )
    extractor = models.CharField(
        max_length=60, blank=True, help_text="What derived the text from the original."
    )
    extractor_version = models.CharField(max_length=100, blank=True)
    text_edited_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When an editor last changed the text by hand (it then differs from the "
        "extractor's output).",
    )
    text_sha256 = models.CharField(max_length=64, blank=True)
    # What readers may take away: the text and its quotes are always shown (quotation),
    # the archived original only where its licence lets the registry pass it on.
    licence = models.CharField(
        max_length=300,
        blank=True,
        validators=[one_line],
        help_text="The terms the source is published under, as its publisher states them "
        "(e.g. \u201cCC BY 4.0\u201d, \u201c\u00a9 Caucasus Watch, all rights reserved\u201d). "
        "Shown on the public page; blank reads \u201cNot stated\u201d.",
    )
    share_original = models.BooleanField(
        default=False,
        help_text="Offer the archived original (the file or page as received) for download on "
        "the public page. Tick only where the licence allows passing it on; the text and its "
        "quotes are shown either way.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["outlet"], name="source_outlet_idx"),
            models.Index(fields=["published"], name="source_published_idx"),
            models.Index(fields=["kind"], name="source_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_date_matches_precision("published"),
                name="source_published_matches_precision",
            ),
            models.CheckConstraint(
                condition=Q(origin_start__isnull=True, origin_end__isnull=True)
                | Q(origin_start__isnull=False, origin_end__gt=F("origin_start")),
                name="source_origin_range_valid",
            ),
            models.CheckConstraint(
                condition=~Q(text="") & ~Q(text__startswith=" ") & ~Q(text__endswith=" "),
                name="source_text_not_empty",
                violation_error_message="A source needs text.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def text_provenance(self) -> str:
        """How the text was made from its original, in words for readers (no file names or
        offsets: those are the editors')."""
        if self.origin_start is not None:
            return (
                "The article body as it stands in the original, unchanged; what surrounds "
                "it there is left out."
            )
        if self.extractor == "plain text":
            return "The original's text" + (
                f", read as {self.extractor_version}." if self.extractor_version else "."
            )
        if self.extractor:
            tool = f"{self.extractor} {self.extractor_version}".rstrip()
            return f"Extracted from the original with {tool}."
        return ""

    @property
    def original_filename(self) -> str:
        """What its original downloads as: named after the source, not the file received."""
        assert self.original is not None, "only a source with an original downloads one"
        extension = Original.EXTENSIONS.get(self.original.media_type, ".bin")
        return f"{self.slug}-original{extension}"

    def paragraph_url(self, number: int) -> str:
        """Paragraph `number` of the public page (the "para. N" of citations)."""
        return f"{self.get_absolute_url()}#p{number}"

    published_display = AtPrecision("published")

    @property
    def seed_file(self) -> str:
        """The seed file the text was cut from, or blank for other origins."""
        original = self.original
        return original.filename if original and original.kind == Original.Kind.SEED else ""

    @property
    def seed_start(self) -> int | None:
        """Where the text starts in its seed file, for seed sources."""
        return self.origin_start if self.seed_file else None

    @property
    def seed_end(self) -> int | None:
        """Where the text ends in its seed file (exclusive), for seed sources."""
        return self.origin_end if self.seed_file else None


class TopicQuerySet(SlugQuerySet["Topic"]):
    def public(self) -> TopicQuerySet:
        """Topics of a published claim: the only ones the public site shows."""
        return self.filter(
            Exists(
                Claim.topics.through.objects.filter(
                    topic_id=OuterRef("pk"), claim__status=Claim.Status.PUBLISHED
                )
            )
        )


class Topic(Versioned, SlugPage):
    page_route = "claims:topic-detail"

    name = models.CharField(max_length=100, unique=True, validators=[one_line])
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True, validators=[one_line])

    history = HistoricalRecords()
    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EntityQuerySet(SlugQuerySet["Entity"]):
    def public(self) -> EntityQuerySet:
        """Entities a published claim names, is asserted by or is located in: public ones."""
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


class Entity(Versioned, SlugPage):
    page_route = "claims:entity-detail"

    class Kind(models.TextChoices):
        COUNTRY = "country", "Country"
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        COMPANY = "company", "Company"
        PLACE = "place", "Place"
        AGREEMENT = "agreement", "Agreement"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, validators=[one_line])
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OTHER)
    aliases = models.TextField(
        blank=True,
        help_text="Other spellings and names, one per line (e.g. SOCAR).",
        validators=[multi_line],
    )

    history = HistoricalRecords()
    objects = EntityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"
        indexes = [models.Index(fields=["kind"], name="entity_kind_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def alias_list(self) -> list[str]:
        """The aliases as a list, blank lines dropped."""
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class SearchIndexRow(models.Model):
    """A row of SQLite's full-text index of claims (the FTS5 table claims_claim_fts).

    Only there so that SQLite search can join the index (see ClaimQuerySet.search);
    migration 0004 creates the table and its triggers, and PostgreSQL has none.
    """

    rowid = models.BigIntegerField(primary_key=True)
    search_text = models.TextField()
    # The claim of the same id (no column of its own): `search_index` from a claim.
    claim = models.ForeignObject(
        "Claim",
        on_delete=models.DO_NOTHING,
        from_fields=["rowid"],
        to_fields=["id"],
        related_name="+",
        related_query_name="search_index",
        null=True,
    )

    class Meta:
        managed = False
        db_table = "claims_claim_fts"

    def __str__(self) -> str:
        return f"index of claim #{self.rowid}"


class FullTextMatch(models.Lookup):
    """`search_text__match`: the FTS5 MATCH operator, against the index's own column."""

    lookup_name = "match"

    # Django 5.2 passes params as lists; the stubs describe Django 6's tuples.
    def as_sql(self, compiler, connection) -> tuple[str, list]:  # type: ignore[override]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


SearchIndexRow._meta.get_field("search_text").register_lookup(FullTextMatch)


class NullsLastIndex(models.Index):
    """An index that may name `DESC NULLS LAST` columns on both databases.

    SQLite refuses NULLS LAST in an index and needs none: its DESC already puts
    NULLs last, so there each such column is plain DESC.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        index = self
        if schema_editor.connection.vendor == "sqlite":
            index = self.clone()
            index.expressions = tuple(
                OrderBy(e.expression, descending=e.descending) if isinstance(e, OrderBy) else e
                for e in self.expressions
            )
        return models.Index.create_sql(index, model, schema_editor, using=using, **kwargs)


def _attributions() -> Prefetch:
    """A claim's claimants with their entities, in the editor's order, as the list
    `claimant_rows` (read through Claim.claimants_shown)."""
    # A list attribute, not the related manager's cache: Django then clones the
    # prefetch queryset once per claim (its select_related deep-copied each time),
    # which cost a list page 3 ms. Only what is shown of each entity.
    rows = Attribution.objects.select_related("entity").only(
        "claim_id", "role", "entity__slug", "entity__name", "entity__kind"
    )
    return Prefetch("attributions", queryset=rows, to_attr="claimant_rows")


def _quoting(**where) -> models.QuerySet:
    """The ids of claims with a quote matching `where`, as a subquery."""
    return Claim.objects.filter(**where).values("pk")


class ClaimQuerySet(models.QuerySet["Claim"]):
    def published(self) -> ClaimQuerySet:
        """Only claims the public may see."""
        return self.filter(status=ClaimStatus.PUBLISHED)

    def dated(self) -> ClaimQuerySet:
        """Only claims with an event date."""
        return self.filter(event_date__isnull=False)

    def number_first(self, number: int | None) -> ClaimQuerySet:
        """Claim `number` (if given) first, then as ordered (explicitly, for pagination)."""
        if number is None:
            return self.order_by(*current_order(self))
        first = Case(When(pk=number, then=Value(0)), default=Value(1))
        return self.alias(number_rank=first).order_by("number_rank", *current_order(self))

    def for_source(self, slug: str) -> ClaimQuerySet:
        """Claims with at least one quote from the source `slug`."""
        return self.filter(pk__in=_quoting(quotes__source__slug=slug))

    def for_outlet(self, outlet: str) -> ClaimQuerySet:
        """Claims with at least one quote from a source of `outlet` (any case)."""
        return self.filter(pk__in=_quoting(quotes__source__outlet__iexact=outlet.strip()))

    def with_link(self, relation: str) -> ClaimQuerySet:
        """Claims with at least one link of `relation` to a published claim."""
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

        def count(**where: object) -> CombinedExpression:
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
            # F()s, not names: the type checker checks names against the model's
            # fields and cannot see an annotation made in another method.
            .filter(GreaterThan(F("contradiction_count"), 0))
            .order_by(F("contradiction_count").desc(), F("event_date").desc(nulls_last=True), "pk")
        )

    def for_citations(self) -> ClaimQuerySet:
        """In the citation export's order (newest first), with what its columns read
        besides the claim's own fields: `version_number` and the *_raw values."""
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
        )

    def with_version_number(self) -> ClaimQuerySet:
        """Annotate `version_number`: the number of the claim's newest public version (or None)."""
        # A correlated subquery, read from the unique (claim, number) index: one index
        # seek per claim, no query per row, and nothing denormalised onto the claim
        # that a full save() of an older in-memory claim could write back stale.
        return self.annotate(version_number=newest_version_number())

    def refresh_search_text(self) -> int:
        """Recompute `search_text` (statement and quotes, one a line) in one UPDATE."""
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
        quotes = Quote.objects.select_related("source")
        return self.select_related("place").prefetch_related(
            Prefetch("quotes", queryset=quotes if source_text else quotes.with_source_meta()),
            "topics",
            "entities",
            _attributions(),
        )

    def unrecorded(self) -> ClaimQuerySet:
        """Claims whose current status no workflow step records (e.g. loaded from a fixture)."""
        steps = StatusChange.objects.filter(claim=OuterRef("pk"), to_status=OuterRef("status"))
        return self.exclude(Exists(steps))

    def with_published_at(self) -> ClaimQuerySet:
        """Annotate `published_at`: when a reviewer first published the claim (None when
        no step records it, e.g. a claim loaded from a fixture)."""
        first = StatusChange.objects.filter(
            claim=OuterRef("pk"), to_status=Claim.Status.PUBLISHED
        ).order_by("changed_at", "pk")
        return self.annotate(published_at=Subquery(first.values("changed_at")[:1]))

    def in_review_queue(self) -> ClaimQuerySet:
        """Claims in review, oldest first, with `sent_at` and `sent_by` (who sent each)."""
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
    newest = ClaimVersion.objects.filter(claim=OuterRef(claim)).order_by("-number")
    return Subquery(newest.values("number")[:1], output_field=IntegerField())


class ClaimStatusFlags(models.Model):
    """What a claim's `status` says, for a claim and for a public version of one."""

    status: models.CharField  # each model's own: a version's has no default

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == ClaimStatus.PUBLISHED

    @property
    def is_retracted(self) -> bool:
        return self.status == ClaimStatus.RETRACTED


class Claim(Versioned, ClaimStatusFlags):
    Status = ClaimStatus

    # The statuses with a public page (a retracted claim keeps its URL, with a notice).
    PUBLIC = (Status.PUBLISHED, Status.RETRACTED)
    # Set by the source page for display: the paragraphs where the claim is quoted there.
    paragraphs_here: list[tuple[int, str]]

    statement = models.TextField(
        help_text="One neutral sentence in the editor's own words.", validators=[one_line]
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    event_date = models.DateField(
        null=True, blank=True, help_text="When what the claim states happened or held."
    )
    event_date_precision = _precision_field()
    value = models.DecimalField(
        max_digits=24, decimal_places=6, null=True, blank=True, validators=[exact_decimal]
    )
    unit = models.CharField(max_length=40, blank=True, help_text="e.g. percent, troops, USD.")
    # Scope qualifiers (Wikidata's start time, end time, determination method and
    # location): when the claim is said to hold, as distinct from the event date.
    # The start is stored as the first day it covers and the end as the last, so
    # periods compare in SQL whatever their precision.
    as_of_start = models.DateField(
        null=True, blank=True, help_text="The first day of the period the claim holds for."
    )
    as_of_start_precision = _precision_field()
    as_of_end = models.DateField(
        null=True, blank=True, help_text="The last day of the period the claim holds for."
    )
    as_of_end_precision = _precision_field()
    measure = models.CharField(
        max_length=200,
        blank=True,
        help_text="How a figure was measured, e.g. survey of 1,000 youths aged 18-29.",
    )
    place = models.ForeignKey(
        Entity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims_placed",
        limit_choices_to={"kind__in": [Entity.Kind.COUNTRY, Entity.Kind.PLACE]},
        help_text="Where the claim holds, when it is narrower than its topics say.",
    )
    topics = models.ManyToManyField(Topic, related_name="claims", blank=True)
    entities = models.ManyToManyField(Entity, related_name="claims", blank=True)
    claimants = models.ManyToManyField(
        Entity, through="Attribution", related_name="claims_asserted", blank=True
    )
    note = models.TextField(blank=True, help_text="Editor's note, e.g. the basis of the date.")
    retraction_reason = models.TextField(
        blank=True, editable=False, help_text="Why the claim was retracted, shown on its page."
    )
    retracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    search_text = models.TextField(
        blank=True,
        editable=False,
        help_text="Statement and quote text, indexed for full-text search "
        "(kept in step by ClaimQuerySet.refresh_search_text()).",
    )
    created_by = _by_editor(blank=True)
    updated_by = _by_editor(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[topics, entities], excluded_fields=["search_text"])
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = [F("event_date").desc(nulls_last=True), "-id"]
        permissions = [
            ("publish_claim", "Can publish claims"),
            ("retract_claim", "Can retract claims"),
        ]
        indexes = [
            models.Index(fields=["status", "event_date"], name="claim_status_date_idx"),
            # Date ranges, and the admin's list in the default order (any status).
            NullsLastIndex(
                F("event_date").desc(nulls_last=True), F("id").desc(), name="claim_newest_idx"
            ),
            models.Index(fields=["value"], name="claim_value_idx"),
            models.Index(fields=["as_of_start", "as_of_end"], name="claim_as_of_idx"),
            # The measures in use (the form's suggestions) are read from it, not every claim.
            models.Index(fields=["measure"], name="claim_measure_idx"),
            # The public list's default order, so a page (even the last) is read
            # from the index instead of sorting every published claim.
            NullsLastIndex(
                F("event_date").desc(nulls_last=True),
                F("id").desc(),
                condition=Q(status="published"),
                name="claim_published_newest_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "review", "published", "retracted"]),
                name="claim_status_valid",
            ),
            models.CheckConstraint(
                condition=_date_matches_precision("event_date"),
                name="claim_event_date_matches_precision",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(unit=""), name="claim_unit_needs_value"
            ),
            models.CheckConstraint(condition=~Q(statement=""), name="claim_statement_not_empty"),
            models.CheckConstraint(
                condition=_date_matches_precision("as_of_start"),
                name="claim_as_of_start_matches_precision",
            ),
            models.CheckConstraint(
                condition=_date_matches_precision("as_of_end"),
                name="claim_as_of_end_matches_precision",
            ),
            models.CheckConstraint(
                condition=Q(as_of_start__isnull=True)
                | Q(as_of_end__isnull=True)
                | Q(as_of_end__gte=F("as_of_start")),
                name="claim_as_of_in_order",
                violation_error_message="The period ends before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}: {self.statement[:80]}" if self.pk else self.statement[:80]

    def get_absolute_url(self) -> str:
        return reverse("claims:claim-detail", args=[self.pk])

    event_date_display = AtPrecision("event_date")
    as_of_start_display = AtPrecision("as_of_start")  # blank for a period with no start
    as_of_end_display = AtPrecision("as_of_end")

    @property
    def as_of_display(self) -> str:
        """The period the claim holds for, e.g. `2023–2025`, `since 2023`, `until 2020-05`."""
        return period_display(self.as_of_start_display, self.as_of_end_display)

    def clean(self) -> None:
        super().clean()
        if self.as_of_start and self.as_of_end and self.as_of_end < self.as_of_start:
            raise ValidationError(
                {
                    "as_of_end": "The period ends before it starts: give an end on or after "
                    f"{self.as_of_start_display}."
                }
            )

    @property
    def is_public(self) -> bool:
        """Whether the claim has a public page."""
        return self.status in self.PUBLIC

    def appearances(self) -> list[Quote]:
        """Its (prefetched) quotes in the order their sources appeared: dated sources
        oldest first, then undated ones; within a source, in reading order."""
        return sorted(
            self.quotes.all(),
            key=lambda q: (
                q.source.published is None,
                q.source.published or dt.date.max,
                q.source.title,
                q.start,
                q.pk,
            ),
        )

    @property
    def claimants_shown(self) -> list[Attribution]:
        """Its attributions with their entities: prefetched by for_list() and
        with_evidence(), else read now."""
        if not hasattr(self, "claimant_rows"):
            self.claimant_rows = list(self.attributions.select_related("entity"))
        return self.claimant_rows

    @property
    def cited_sources(self) -> list[Source]:
        """The distinct sources of the claim's (prefetched) quotes, in order."""
        return list({q.source_id: q.source for q in self.quotes.all()}.values())


class Attribution(models.Model):
    """Who asserts a claim, and in what role: its claimant, apart from where it appeared.

    schema.org's Claim.author, as against its appearances (the quotes' sources).
    """

    class Role(models.TextChoices):
        STATED = "stated", "stated"
        REPORTED = "reported", "reported"
        ESTIMATED = "estimated", "estimated"
        FORECAST = "forecast", "forecast"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attributions")
    entity = models.ForeignKey(
        Entity,
        on_delete=models.PROTECT,
        related_name="attributions",
        verbose_name="claimant",
        help_text="A person, organisation, government or survey.",
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.STATED)
    basis = models.CharField(
        max_length=300,
        blank=True,
        help_text="The words of the statement or a quote that name the claimant, "
        "e.g. \u201cAccording to Rasmus Canb\u00e4ck\u201d.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim_id", "id"]
        indexes = [models.Index(fields=["entity", "claim"], name="attribution_entity_claim_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "entity"],
                name="attribution_unique_claimant",
                violation_error_message="This claimant is already named on the claim.",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["stated", "reported", "estimated", "forecast"]),
                name="attribution_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.claim_id} {self.role} by {self.entity}"


class CandidateDismissal(models.Model):
    """An editor's decision that a candidate sentence of a source is not a claim, and why.

    Keyed by the sentence's text (its SHA-256), not its offsets, so it survives a
    re-import or an edit elsewhere in the text.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="dismissals")
    sentence_sha256 = models.CharField(max_length=64)
    sentence = models.TextField(help_text="The sentence as it was dismissed.")
    reason = models.CharField(
        max_length=200, help_text="e.g. background, not checkable, duplicate of #12."
    )
    dismissed_by = _by_editor()
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source_id", "dismissed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "sentence_sha256"],
                name="dismissal_once_per_sentence",
                violation_error_message="This sentence is already dismissed.",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="dismissal_reason_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}: \u201c{self.sentence[:60]}\u201d ({self.reason})"


class PairDismissal(models.Model):
    """An editor's decision that two claims need no link, and why: never suggested again."""

    first_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    second_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200, help_text="e.g. different matters, both true.")
    dismissed_by = _by_editor()
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_claim_id", "second_claim_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["first_claim", "second_claim"], name="pairdismissal_once_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(first_claim__lt=F("second_claim")), name="pairdismissal_ordered"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="pairdismissal_reason_not_empty"),
        ]

    def __str__(self) -> str:
        return f"#{self.first_claim_id} and #{self.second_claim_id}: {self.reason}"


class StatusChangeQuerySet(models.QuerySet["StatusChange"]):
    def announced(self) -> StatusChangeQuerySet:
        """Steps that published or retracted a claim that is public now, newest first."""
        return self.filter(
            to_status__in=(Claim.Status.PUBLISHED, Claim.Status.RETRACTED),
            claim__status__in=Claim.PUBLIC,
        ).order_by("-changed_at", "-pk")


class StatusChange(models.Model):
    """One step of a claim's review workflow: who moved it where, when, and why."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Claim.Status)
    to_status = models.CharField(max_length=10, choices=Claim.Status)
    changed_by = _by_editor()
    changed_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["claim", "changed_at"], name="statuschange_claim_idx"),
            models.Index(fields=["to_status", "changed_at"], name="statuschange_to_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_status=F("to_status")), name="statuschange_moves"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.claim_id}: {self.from_status} \u2192 {self.to_status}"


class ClaimRevision(models.Model):
    """An editor's change to a published claim, held until a reviewer decides on it.

    The public page keeps showing the reviewed claim; approving applies `data`
    to the claim (if it has not changed since `base_version`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="revisions")
    base_version = models.PositiveIntegerField(help_text="The claim's version it was made from.")
    data = models.JSONField(help_text="The proposed field values (topics and entities by id).")
    reason = models.TextField(help_text="Why the editor proposes the change.")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    proposed_by = _by_editor()
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = _by_editor(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        indexes = [models.Index(fields=["status", "proposed_at"], name="revision_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(status="pending"),
                name="revision_one_pending_per_claim",
                violation_error_message="A change to this claim is already waiting for review.",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="revision_reason_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Change to claim #{self.claim_id} ({self.get_status_display()})"


class ClaimVersionQuerySet(models.QuerySet["ClaimVersion"]):
    def of_public_claims(self) -> ClaimVersionQuerySet:
        """Versions of claims that have a public page now (published or retracted)."""
        return self.filter(claim__status__in=Claim.PUBLIC)

    def newest(self) -> ClaimVersionQuerySet:
        """Each claim's newest version only."""
        newer = self.model.objects.filter(claim=OuterRef("claim"), number__gt=OuterRef("number"))
        return self.filter(~Exists(newer))

    def without_content(self) -> ClaimVersionQuerySet:
        """Numbers, dates and statements only: what a list of versions shows."""
        return self.defer("content")


class ClaimVersion(ClaimStatusFlags):
    """A numbered public version of a claim: what its page showed, frozen, so it can be cited.

    Derived data, written only by `services.record_public_version` (and the
    backfill): version 1 when the claim is first published, a new one whenever
    what the public sees of it changes (an approved revision, a quote or link
    change, a retraction). `content` holds the snapshot (see claims/versions.py);
    `status` and `statement` are copied out of it so lists need not read the JSON.
    """

    # No index of its own: the unique (claim, number) index serves every lookup by claim.
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="public_versions", db_index=False
    )
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(help_text="When this version became public.")
    status = models.CharField(max_length=10, choices=Claim.Status)
    statement = models.TextField()
    content = models.JSONField(help_text="Everything the claim page showed, as it showed it.")

    objects = ClaimVersionQuerySet.as_manager()

    class Meta:
        ordering = ["claim_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "number"], name="claimversion_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="claimversion_number_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["published", "retracted"]),
                name="claimversion_status_public",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.claim_id} version {self.number}"

    def save(self, *args, **kwargs) -> None:
        # A cited version never changes: only new rows are written.
        if not self._state.adding:
            raise ValueError("A claim version is immutable; record a new one instead.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("claims:claim-version", args=[self.claim_id, self.number])


class QuoteQuerySet(models.QuerySet["Quote"]):
    def published(self) -> QuoteQuerySet:
        """Quotes of published claims."""
        return self.filter(claim__status=ClaimStatus.PUBLISHED)

    def with_source_meta(self) -> QuoteQuerySet:
        """Join each quote's source without its (long) text."""
        return self.select_related("source").defer("source__text")

    def for_citations(self, claim_ids: Iterable[int]) -> QuoteQuerySet:
        """The quotes of `claim_ids` in each claim's citation order: by source title,
        then position (the export's columns pick the values they read)."""
        return self.filter(claim__in=IdList(claim_ids)).order_by("source__title", "start", "pk")

    def for_report(self) -> QuoteQuerySet:
        """Quotes with the source columns a report needs, in a stable order."""
        return (
            self.select_related("source__original")
            .defer("source__original__content")
            .order_by("claim_id", "source__slug", "start", "pk")
        )


class Quote(Versioned):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="quotes")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="quotes")
    exact = models.TextField(help_text="Paste the passage; it is matched against the source.")
    start = models.PositiveIntegerField(help_text="Offset in the source text (inclusive).")
    end = models.PositiveIntegerField(help_text="Offset in the source text (exclusive).")
    prefix = models.CharField(max_length=32, blank=True)
    suffix = models.CharField(max_length=32, blank=True)
    locator = models.PositiveIntegerField(default=1, help_text="Paragraph number in the source.")
    note = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["claim_id", "source_id", "start", "id"]
        indexes = [models.Index(fields=["source", "start"], name="quote_source_start_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="quote_span_not_empty"),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("exact")), name="quote_span_matches_exact"
            ),
            models.UniqueConstraint(
                fields=["claim", "source", "start", "end"], name="quote_unique_span_per_claim"
            ),
        ]

    def __str__(self) -> str:
        return f"\u201c{self.exact[:60]}\u201d ({self.source_id}:{self.start}-{self.end})"

    @property
    def is_verbatim(self) -> bool:
        """Whether the stored offsets still cut `exact` from the source text."""
        return self.source.text[self.start : self.end] == self.exact

    def clean(self) -> None:
        if self.source_id and self.exact and not self.is_verbatim:
            raise ValidationError({"exact": "The quote does not match the source at its offsets."})


class ClaimLinkQuerySet(models.QuerySet["ClaimLink"]):
    def involving(self, claim: Claim) -> ClaimLinkQuerySet:
        """Links from `claim`, plus symmetric links that point at it."""
        return self.filter(
            Q(from_claim=claim) | Q(to_claim=claim, relation__in=ClaimLink.SYMMETRIC)
        )

    def repeated_by(self, link: ClaimLink) -> ClaimLinkQuerySet:
        """Other stored links that `link` repeats: the same one, or a symmetric one reversed."""
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
        quotes = Quote.objects.with_source_meta().order_by("start")
        return self.select_related("from_claim", "to_claim").prefetch_related(
            Prefetch("from_claim__quotes", queryset=quotes),
            Prefetch("to_claim__quotes", queryset=quotes),
            "from_claim__topics",
            "to_claim__topics",
        )


class ClaimLink(Versioned):
    Relation = LinkRelation

    # Set by the claim and source pages for display: the claim at the far end, and on
    # a source page the one quoted there.
    other: Claim
    here: Claim

    SYMMETRIC = (Relation.CONTRADICTS, Relation.DUPLICATES)
    # What each relation means, defined once: the admin's help text and the public
    # "How to read the links" page both read it.
    DEFINITIONS = {
        Relation.CONTRADICTS: "Both cannot be true of the same time and matter.",
        Relation.UPDATES: "A later state of the same matter.",
        Relation.QUALIFIES: "Narrows or conditions the other claim.",
        Relation.SUPPORTS: "Evidence for the other claim.",
        Relation.DUPLICATES: "The same assertion.",
    }

    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_out")
    to_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_in")
    relation = models.CharField(
        max_length=12,
        choices=Relation,
        help_text=" ".join(f"{r.label}: {d[0].lower()}{d[1:]}" for r, d in DEFINITIONS.items()),
    )
    rationale = models.TextField(help_text="One sentence on why: what differs or agrees.")
    # A contradiction between claims about different periods is often an update; a
    # reviewer who keeps it as a contradiction says why (see with_period_check()).
    period_note = models.TextField(
        blank=True,
        help_text="Why these claims contradict although they are about different periods "
        "(a reviewer's note; it clears the \u201cdifferent periods\u201d flag).",
    )
    period_confirmed_by = _by_editor(blank=True, editable=False)
    period_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = _by_editor(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ClaimLinkQuerySet.as_manager()

    class Meta:
        ordering = ["from_claim_id", "relation", "to_claim_id"]
        indexes = [
            models.Index(fields=["relation"], name="claimlink_relation_idx"),
            models.Index(fields=["to_claim", "relation"], name="claimlink_to_relation_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_claim=F("to_claim")), name="claimlink_no_self_link"
            ),
            models.CheckConstraint(
                condition=Q(relation__in=LinkRelation.values),
                name="claimlink_relation_valid",
            ),
            models.CheckConstraint(
                condition=~Q(rationale=""), name="claimlink_rationale_not_empty"
            ),
            models.UniqueConstraint(
                fields=["from_claim", "to_claim", "relation"],
                name="claimlink_unique_per_pair_relation",
                violation_error_message="These two claims already have a link of this relation.",
            ),
            models.UniqueConstraint(
                Least("from_claim", "to_claim"),
                Greatest("from_claim", "to_claim"),
                "relation",
                condition=Q(relation__in=[r.value for r in LinkRelation if r.is_symmetric]),
                name="claimlink_symmetric_once_per_pair",
                violation_error_message=(
                    "These two claims are already linked this way in the other direction."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.from_claim_id} {self.relation} #{self.to_claim_id}"

    @property
    def is_symmetric(self) -> bool:
        """Whether the relation reads the same from either claim."""
        return self.relation in self.SYMMETRIC

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        # The database's constraints would only be named; say which claims are concerned.
        # The inline form leaves out its own claim (`from_claim`) but has set it already.
        if not {"to_claim", "relation"} & set(exclude or ()) and (problem := self.rule_broken()):
            raise ValidationError(problem, code="link_rule")
        super().validate_constraints(exclude)

    def rule_broken(self) -> str:
        """Why this link may not be stored (a self-link, or a link already there), or blank."""
        if self.from_claim_id is None or self.to_claim_id is None or not self.relation:
            return ""
        if self.from_claim_id == self.to_claim_id:
            return "A claim cannot be linked to itself."
        existing = ClaimLink.objects.repeated_by(self).first()
        if existing is None:
            return ""
        return (
            f"#{existing.from_claim_id} already {existing.get_relation_display()} "
            f"#{existing.to_claim_id}."
        )


def _new_epoch() -> str:
    return uuid.uuid4().hex


class RegistryState(models.Model):
    """One row whose `generation` moves on with every change to claims or their tags.

    Cached counts (facets) are keyed by it, so every app server sees a change
    at once without a shared cache (claims/signals.py moves it on).
    """

    generation = models.PositiveBigIntegerField(default=0)
    # New with the row: a restored or rebuilt database never reuses an old key.
    epoch = models.CharField(max_length=32, default=_new_epoch)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="registrystate_one_row")]

    def __str__(self) -> str:
        return f"registry generation {self.generation}"

    @classmethod
    def current(cls) -> str:
        """The generation now, as a cache-key part ("new" before the first change)."""
        row = cls.objects.filter(pk=1).values_list("epoch", "generation").first()
        return f"{row[0]}.{row[1]}" if row else "new"

    @classmethod
    def advance(cls) -> None:
        """Move the generation on (inside the caller's transaction)."""
        if not cls.objects.filter(pk=1).update(generation=F("generation") + 1):
            cls.objects.get_or_create(pk=1, defaults={"generation": 1})
