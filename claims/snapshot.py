"""The public registry as a Frictionless Data Package: a descriptor and one CSV per table.

Each table's columns are defined once, as Column objects (name, Table Schema type,
description, value getter): the descriptor's schemas and the CSV writer both
read them, so a column cannot be in one and not the other. Only public data goes
in: published claims, their quotes, their links to published claims, and the
sources, topics and entities they use. Tables are streamed from an iterator,
a chunk at a time, so a registry of 100,000 claims is never held in memory.

Cells are written as they are stored (no spreadsheet escaping, unlike the
citations CSV): a quote's `exact` must equal the source text between its
offsets, character for character.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.db import connections, transaction
from django.db.models import Model, QuerySet, TextChoices
from django.urls import reverse

from claims.choices import DatePrecision
from claims.csvsafe import format_number
from claims.dates import format_partial_date, partial_date_span
from claims.models import (
    Attribution,
    Claim,
    ClaimLink,
    Entity,
    Quote,
    Source,
    Topic,
)

ROWS_PER_CHUNK = 1000
PRECISIONS = [choice.value for choice in DatePrecision]

Getter = Callable[[dict, str], object]  # (row of values(), the site's base URL) -> value


@dataclass(frozen=True)
class Column:
    """One column of a table: its schema and how its value is read from a row."""

    name: str
    type: str  # a Table Schema type: integer, number, string, date, datetime
    description: str
    reads: tuple[str, ...] = ()  # the fields of values() it needs (default: its name)
    get: Getter | None = None  # default: the value of its one field
    format: str = ""  # e.g. "uri"
    constraints: dict = field(default_factory=dict)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.reads or (self.name,)

    def value(self, row: dict, base_url: str) -> object:
        return self.get(row, base_url) if self.get else row[self.fields[0]]

    def schema(self) -> dict:
        described: dict[str, object] = {
            "name": self.name,
            "type": self.type,
            "description": self.description,
        }
        if self.format:
            described["format"] = self.format
        if self.constraints:
            described["constraints"] = self.constraints
        return described


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """One resource of the package: which rows, in which order, with which columns."""

    name: str
    title: str
    description: str
    rows: Callable[[], QuerySet]  # the public rows, in a stable order
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    def schema(self) -> dict:
        schema = {
            "fields": [column.schema() for column in self.columns],
            "primaryKey": list(self.primary_key),
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {
                    "fields": list(key.fields),
                    "reference": {"resource": key.table, "fields": list(key.reference)},
                }
                for key in self.foreign_keys
            ]
        return schema

    def resource(self) -> dict:
        return {
            "name": self.name,
            "path": self.path,
            "title": self.title,
            "description": self.description,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": self.schema(),
        }


# --- Cells ------------------------------------------------------------------------------


def cell(value: object) -> str:
    """A value as CSV text: blank for None, ISO dates, plain decimal numbers."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return format_number(value)
    return str(value)


def _partial_date(name: str, description: str, what: str) -> tuple[Column, Column]:
    """A partial date's two columns: the date at its precision (2023, 2023-08 or
    2023-08-24) and, beside it, the precision."""
    precision = f"{name}_precision"
    return (
        Column(
            name,
            "string",
            description,
            reads=(name, precision),
            get=lambda row, base: format_partial_date(row[name], row[precision]),
        ),
        _choice(precision, f"How precise {what} is: {', '.join(PRECISIONS)}.", DatePrecision),
    )


def _span(name: str, end: int, description: str) -> Column:
    """The first (`end` 0) or the last day (1) a partial date covers, as a date."""
    precision = f"{name}_precision"
    return Column(
        f"{name}_{('start', 'end')[end]}",
        "date",
        description,
        reads=(name, precision),
        get=lambda row, base: partial_date_span(row[name], row[precision])[end] or None,
    )


def _choice(
    name: str, description: str, choices: type[TextChoices], *, required: bool = True
) -> Column:
    """A column that holds one of a model's choices (its value, not its label)."""
    constraints: dict[str, object] = {"required": True} if required else {}
    constraints["enum"] = [choice.value for choice in choices]
    return Column(name, "string", description, constraints=constraints)


def _page(description: str, route: str, key: str, *, name: str = "url") -> Column:
    """The address of the row's page in the registry, the `route` with the row's `key`."""
    return Column(
        name,
        "string",
        description,
        reads=(key,),
        get=lambda row, base: base + reverse(route, args=[row[key]]),
        format="uri",
    )


REQUIRED = {"required": True}
UNIQUE = {"required": True, "unique": True}
CLAIM_ID = Column("claim_id", "integer", "The claim.", constraints=REQUIRED)
CLAIM_KEY = ForeignKey(("claim_id",), "claims", ("id",))


def _of_published_claims(model: type[Model], *order: str) -> QuerySet:
    """The rows of a table that belongs to claims (by `claim`), for published claims only."""
    return model._default_manager.filter(claim__status=Claim.Status.PUBLISHED).order_by(*order)


def _slug_table(
    name: str, description: str, model: type[Topic | Entity | Source], *columns: Column
) -> Table:
    """A table of what has a public page at its slug (the key the other tables refer to),
    in the order of the slugs."""
    noun = model._meta.model_name
    return Table(
        name,
        name.capitalize(),
        description,
        lambda: model.objects.public().order_by("slug"),
        (
            Column(
                "slug", "string", f"The {noun}'s key, as in its page's address.", constraints=UNIQUE
            ),
            *columns,
        ),
        ("slug",),
    )


TOPICS = _slug_table(
    "topics",
    "Topics of published claims.",
    Topic,
    Column("name", "string", "The topic's name.", constraints=REQUIRED),
    Column("description", "string", "What the topic covers."),
    _page("The topic's page.", "claims:topic-detail", "slug"),
)

ENTITIES = _slug_table(
    "entities",
    "Countries, people, organisations, places and agreements that published claims name, "
    "are asserted by, or are located in.",
    Entity,
    Column("name", "string", "The entity's name.", constraints=REQUIRED),
    _choice("kind", "What the entity is.", Entity.Kind),
    Column(
        "aliases",
        "string",
        "Other names and spellings, joined with '; '.",
        get=lambda row, base: "; ".join(
            line.strip() for line in row["aliases"].splitlines() if line.strip()
        ),
    ),
    _page("The entity's page.", "claims:entity-detail", "slug"),
)

SOURCES = _slug_table(
    "sources",
    "The articles the quotes come from, with their citation data and full text "
    "(quote offsets count characters of `text`).",
    Source,
    Column("title", "string", "The title (in square brackets: supplied by the editors)."),
    Column("author", "string", "The author; blank when the source does not say."),
    Column("outlet", "string", "Where it was published; blank when unknown."),
    _choice("kind", "analysis, news, academic or op-ed.", Source.Kind, required=False),
    Column("language", "string", "The language of the text (an IETF tag, e.g. en)."),
    *_partial_date(
        "published",
        "The publication date at its precision: 2023, 2023-08 or 2023-08-24; blank when unknown.",
        "the publication date",
    ),
    Column("url", "string", "Where the original was published; blank when unknown.", format="uri"),
    _page(
        "The source's page in the registry, with its quotes marked.",
        "claims:source-detail",
        "slug",
        name="page",
    ),
    Column("text", "string", "The article's text, as quoted.", constraints=REQUIRED),
    Column("text_sha256", "string", "The SHA-256 of the text (UTF-8), in hex."),
)

CLAIMS = Table(
    "claims",
    "Claims",
    "Published claims: one checkable statement each, backed by verbatim quotes.",
    lambda: Claim.objects.published().order_by("pk"),
    (
        Column(
            "id", "integer", "The claim's number, as in its page's address.", constraints=UNIQUE
        ),
        Column("statement", "string", "The claim, in the editors' words.", constraints=REQUIRED),
        *_partial_date(
            "event_date",
            "When what it states happened or held, at its precision: 2022, 2022-02 or "
            "2022-02-24; blank when the sources do not say.",
            "the event date",
        ),
        _span("event_date", 0, "The first day the event date covers."),
        _span("event_date", 1, "The last day the event date covers."),
        Column("value", "number", "The quantity it states, if any."),
        Column("unit", "string", "The unit of the value, e.g. percent, troops, USD."),
        *_partial_date(
            "as_of_start",
            "The start of the period the claim holds for, at its precision; blank when open.",
            "the start of the period",
        ),
        *_partial_date(
            "as_of_end",
            "The end of the period the claim holds for, at its precision; blank when open.",
            "the end of the period",
        ),
        Column("measure", "string", "How a figure was measured or determined."),
        Column(
            "place",
            "string",
            "Where the claim holds (an entity's slug), when narrower than its topics say.",
            reads=("place__slug",),
        ),
        Column("note", "string", "The editors' note, e.g. the basis of the date."),
        _page("The claim's permanent page.", "claims:claim-detail", "id"),
        Column("updated_at", "datetime", "When the claim last changed (UTC)."),
    ),
    ("id",),
    (ForeignKey(("place",), "entities", ("slug",)),),
)

QUOTES = Table(
    "quotes",
    "Quotes",
    "The verbatim passages behind published claims: `exact` is the source's text from "
    "`start` to `end` (character offsets, end exclusive).",
    lambda: Quote.objects.published().order_by("pk"),
    (
        Column("id", "integer", "The quote's number.", constraints=UNIQUE),
        Column("claim_id", "integer", "The claim it backs.", constraints=REQUIRED),
        Column("source", "string", "The source's slug.", reads=("source__slug",)),
        Column("exact", "string", "The passage, verbatim.", constraints=REQUIRED),
        Column("start", "integer", "Where it starts in the source's text.", constraints=REQUIRED),
        Column("end", "integer", "Where it ends (exclusive).", constraints=REQUIRED),
        Column("prefix", "string", "Up to 32 characters of text before it."),
        Column("suffix", "string", "Up to 32 characters of text after it."),
        Column("paragraph", "integer", "The paragraph of the source it is in.", reads=("locator",)),
    ),
    ("id",),
    (CLAIM_KEY, ForeignKey(("source",), "sources", ("slug",))),
)

LINKS = Table(
    "links",
    "Links",
    "Typed links between published claims (see /links/ for what each relation means).",
    lambda: ClaimLink.objects.public().order_by("pk"),
    (
        Column("id", "integer", "The link's number.", constraints=UNIQUE),
        Column("from_claim_id", "integer", "The claim the link is from.", constraints=REQUIRED),
        _choice(
            "relation",
            "; ".join(f"{r.value}: {d}" for r, d in ClaimLink.DEFINITIONS.items()),
            ClaimLink.Relation,
        ),
        Column("to_claim_id", "integer", "The claim the link is to.", constraints=REQUIRED),
        Column("rationale", "string", "Why: what differs or agrees.", constraints=REQUIRED),
    ),
    ("id",),
    (
        ForeignKey(("from_claim_id",), "claims", ("id",)),
        ForeignKey(("to_claim_id",), "claims", ("id",)),
    ),
)


def _tag_table(tags: str, tag: str, description: str) -> Table:
    """A claim's tags (`tags`: its topics or its entities, the field and the table of the
    same name): one row per published claim and tag, keyed by the claim and the tag's slug."""
    return Table(
        f"claim_{tags}",
        f"Claims' {tags}",
        description,
        lambda: _of_published_claims(getattr(Claim, tags).through, "claim_id", f"{tag}__slug"),
        (CLAIM_ID, Column(tag, "string", f"The {tag}'s slug.", reads=(f"{tag}__slug",))),
        ("claim_id", tag),
        (CLAIM_KEY, ForeignKey((tag,), tags, ("slug",))),
    )


CLAIM_TOPICS = _tag_table("topics", "topic", "Which topics each published claim has.")
CLAIM_ENTITIES = _tag_table("entities", "entity", "Which entities each published claim names.")

CLAIMANTS = Table(
    "claimants",
    "Claimants",
    "Who asserts each published claim (as against where it appeared), and in what role.",
    lambda: _of_published_claims(Attribution, "claim_id", "pk"),
    (
        CLAIM_ID,
        Column("entity", "string", "The claimant's slug.", reads=("entity__slug",)),
        _choice("role", "stated, reported, estimated or forecast.", Attribution.Role),
        Column("basis", "string", "The words of the statement or a quote that name the claimant."),
    ),
    ("claim_id", "entity"),
    (CLAIM_KEY, ForeignKey(("entity",), "entities", ("slug",))),
)

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        CLAIMS,
        QUOTES,
        SOURCES,
        LINKS,
        TOPICS,
        ENTITIES,
        CLAIM_TOPICS,
        CLAIM_ENTITIES,
        CLAIMANTS,
    )
}


# --- The package --------------------------------------------------------------------------


def descriptor(*, created: dt.datetime, version: str, homepage: str) -> dict:
    """datapackage.json: what the snapshot holds, its tables' schemas and keys."""
    return {
        "profile": "tabular-data-package",
        "name": "factreg-snapshot",
        "title": "factreg: the public registry of claims on Azerbaijan–Russia relations",
        "description": "Published claims, the verbatim quotes behind them with their offsets "
        "in the sources' texts, the sources, typed links between claims, topics, entities "
        "and claimants. Only public data: drafts and claims in review are never included.",
        "homepage": homepage,
        "created": cell(created),
        # The registry's generation: it moves on with every change, so two snapshots
        # with the same version hold the same data.
        "version": version,
        "resources": [table.resource() for table in TABLES.values()],
    }


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def table_text(table: Table, *, base_url: str, chunk_size: int = ROWS_PER_CHUNK) -> Iterator[str]:
    """The table as CSV (RFC 4180, CRLF), its header first, one string per chunk of rows."""
    yield _csv_line([column.name for column in table.columns])
    fields = list(dict.fromkeys(f for column in table.columns for f in column.fields))
    rows = table.rows().values(*fields).iterator(chunk_size=chunk_size)
    columns = table.columns
    while chunk := list(islice(rows, chunk_size)):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerows([cell(c.value(row, base_url)) for c in columns] for row in chunk)
        yield out.getvalue()


@contextmanager
def reading(using: str, *, consistent: bool = False):
    """Where a streamed read runs: in a transaction on PostgreSQL, so its server-side
    cursor streams (and, `consistent`, one snapshot of the whole registry: REPEATABLE
    READ); on SQLite none, whose write transactions would lock out the editors."""
    if connections[using].vendor != "postgresql":
        yield
        return
    outermost = not connections[using].in_atomic_block
    with transaction.atomic(using=using):
        if consistent and outermost:
            with connections[using].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def streamed_table(table: Table, *, base_url: str, using: str) -> Iterator[bytes]:
    with reading(using):
        for text in table_text(table, base_url=base_url):
            yield text.encode("utf-8")


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that hands over what was written to it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def streamed_zip(*, package: Callable[[], dict], base_url: str, using: str) -> Iterator[bytes]:
    """datapackage.json and every table in one zip, streamed as it is compressed.

    On PostgreSQL the tables are read from one snapshot of the registry, so their
    keys always meet.
    """
    sink = _Sink()
    with (
        reading(using, consistent=True),
        zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        archive.writestr("datapackage.json", json.dumps(package(), ensure_ascii=False, indent=2))
        yield sink.take()
        for table in TABLES.values():
            with archive.open(table.path, "w", force_zip64=True) as member:
                for text in table_text(table, base_url=base_url):
                    member.write(text.encode("utf-8"))
                    yield sink.take()
    yield sink.take()
