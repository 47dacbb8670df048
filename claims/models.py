from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Collection

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import F, OrderBy, Q
from django.db.models.functions import Greatest, Least, Length
from django.urls import reverse
from simple_history.models import HistoricalRecords

from claims.choices import ClaimStatus, LinkRelation
from claims.querysets import (
    ClaimLinkQuerySet,
    ClaimQuerySet,
    ClaimVersionQuerySet,
    EntityQuerySet,
    OriginalQuerySet,
    QuoteQuerySet,
    SourceQuerySet,
    StatusChangeQuerySet,
    TopicQuerySet,
)
from claims.validators import exact_decimal, multi_line, one_line


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    UNKNOWN = "unknown", "Unknown"


def _date_matches_precision(field: str) -> Q:
    """A date is set exactly when its precision is known."""
    return Q(**{f"{field}__isnull": True, f"{field}_precision": DatePrecision.UNKNOWN}) | Q(
        Q(**{f"{field}__isnull": False}) & ~Q(**{f"{field}_precision": DatePrecision.UNKNOWN})
    )


def format_partial_date(value: dt.date | str | None, precision: str) -> str:
    """ISO text at the date's real precision: `2022`, `2022-02` or `2022-02-22`.

    `value` is a date, or the ISO text a database column holds.
    """
    if value is None or precision == DatePrecision.UNKNOWN:
        return ""
    lengths: dict[str, int] = {DatePrecision.YEAR: 4, DatePrecision.MONTH: 7}
    length = lengths.get(precision, 10)
    return (value if isinstance(value, str) else value.isoformat())[:length]


def partial_date_span(value: dt.date | str | None, precision: str) -> tuple[str, str]:
    """The first and last day (ISO) a partial date covers: `2022-02` is 2022-02-01 to
    2022-02-28. Blank for an unknown date. Columns any date parser reads."""
    text = format_partial_date(value, precision)
    if not text:
        return "", ""
    year = int(text[:4])
    if precision == DatePrecision.YEAR:
        return f"{year}-01-01", f"{year}-12-31"
    if precision == DatePrecision.MONTH:
        month = int(text[5:7])
        return f"{text}-01", f"{text}-{calendar.monthrange(year, month)[1]:02d}"
    return text, text


def period_display(start: str, end: str) -> str:
    """A period from its partial-date ends: `2023–2025`, `since 2023`, `until 2020-05`."""
    if start and end:
        return start if start == end else f"{start}\u2013{end}"
    if start:
        return f"since {start}"
    return f"until {end}" if end else ""


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
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

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


class Source(Versioned):
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
    published_precision = models.CharField(
        max_length=10, choices=DatePrecision, default=DatePrecision.UNKNOWN
    )
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

    def get_absolute_url(self) -> str:
        return reverse("claims:source-detail", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

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

    @property
    def published_display(self) -> str:
        """The publication date at its real precision."""
        return format_partial_date(self.published, self.published_precision)

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


class Topic(Versioned):
    name = models.CharField(max_length=100, unique=True, validators=[one_line])
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True, validators=[one_line])

    history = HistoricalRecords()
    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("claims:topic-detail", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class Entity(Versioned):
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

    def get_absolute_url(self) -> str:
        return reverse("claims:entity-detail", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

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


class Claim(Versioned):
    Status = ClaimStatus

    # The statuses with a public page (a retracted claim keeps its URL, with a notice).
    PUBLIC = (Status.PUBLISHED, Status.RETRACTED)

    statement = models.TextField(
        help_text="One neutral sentence in the editor's own words.", validators=[one_line]
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    event_date = models.DateField(
        null=True, blank=True, help_text="When what the claim states happened or held."
    )
    event_date_precision = models.CharField(
        max_length=10, choices=DatePrecision, default=DatePrecision.UNKNOWN
    )
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
    as_of_start_precision = models.CharField(
        max_length=10, choices=DatePrecision, default=DatePrecision.UNKNOWN
    )
    as_of_end = models.DateField(
        null=True, blank=True, help_text="The last day of the period the claim holds for."
    )
    as_of_end_precision = models.CharField(
        max_length=10, choices=DatePrecision, default=DatePrecision.UNKNOWN
    )
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
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

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_retracted(self) -> bool:
        return self.status == self.Status.RETRACTED

    @property
    def event_date_display(self) -> str:
        """The event date at its real precision."""
        return format_partial_date(self.event_date, self.event_date_precision)

    @property
    def as_of_start_display(self) -> str:
        """The start of the as-of period at its precision, or blank."""
        return format_partial_date(self.as_of_start, self.as_of_start_precision)

    @property
    def as_of_end_display(self) -> str:
        """The end of the as-of period at its precision, or blank."""
        return format_partial_date(self.as_of_end, self.as_of_end_precision)

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
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
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
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
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


class StatusChange(models.Model):
    """One step of a claim's review workflow: who moved it where, when, and why."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Claim.Status)
    to_status = models.CharField(max_length=10, choices=Claim.Status)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
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
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
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


class ClaimVersion(models.Model):
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

    @property
    def is_published(self) -> bool:
        return self.status == Claim.Status.PUBLISHED

    @property
    def is_retracted(self) -> bool:
        return self.status == Claim.Status.RETRACTED


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


class ClaimLink(Versioned):
    Relation = LinkRelation

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
    period_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    period_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
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
