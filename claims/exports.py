"""Citation exports: one CSV row per quote, streamed in chunks.

The columns are defined once, in `COLUMNS`: each names its header, the values it
is made from and how they become the cell's text. The header row, the three
queries (claims, their quotes, those quotes' sources) and the row writer all
come from that list, so a column is added, moved or changed in one place.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import groupby, islice
from operator import itemgetter
from typing import Any, cast

from django.db import connections, transaction
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse

from claims import failures
from claims.choices import LinkRelation
from claims.csvsafe import escape_text, format_number
from claims.dates import format_partial_date, partial_date_span
from claims.models import (
    Attribution,
    Claim,
    ClaimLink,
    ClaimQuerySet,
    Entity,
    Quote,
    Source,
    Topic,
)
from claims.querysets import IdList

CLAIMS_PER_CHUNK = 1000
FIRST_CHUNK = 100  # a small first chunk: the download starts at once (0.3 s with 1,000)
JOIN = "; "


class Part(enum.Enum):
    """What a column describes, which says how often its cell is formatted."""

    CLAIM = "claim"  # once per claim, for all of its rows
    QUOTE = "quote"  # once per row
    SOURCE = "source"  # once per source in the whole export


@dataclass(frozen=True)
class Column:
    """One column of the citations CSV.

    `fields` names the values the cell is made from, in the order `format` takes
    them: field paths (or the queryset's annotations) of the part's query, or,
    for a claim, the lists each chunk reads for it (`RELATED`) and the export's
    own values (`CONTEXT`). `format` turns them into the cell's text; None when
    the one value already is that text. `description` is what the Data & API
    page says of the column.
    """

    header: str
    part: Part
    fields: tuple[str, ...]
    format: Callable[..., str] | None
    description: str
    # For a link column: the relation, and which end of the link the row's claim is
    # ("to": the claims linking to it are listed, "from": those it links to, "either").
    link: tuple[LinkRelation, str] | None = None

    def __post_init__(self) -> None:
        if self.format is None and len(self.fields) != 1:
            raise ValueError(
                f"Column {self.header}: a cell made from several values needs a format"
            )


def _joined(names: Sequence[str]) -> str:
    return escape_text(JOIN.join(names)) if names else ""


def _ids(ids: Sequence[int]) -> str:
    # Most claims have no links of a kind: the empty case is the common one.
    return JOIN.join(map(str, sorted(set(ids)))) if ids else ""


def _text_or_blank(value: str | None) -> str:
    return escape_text(value or "")


# Two columns read each span, and many claims share a date: a cache spares the
# calendar arithmetic.
_span = functools.lru_cache(maxsize=4096)(partial_date_span)


def _span_start(value: dt.date | str | None, precision: str) -> str:
    return _span(value, precision)[0]


def _span_end(value: dt.date | str | None, precision: str) -> str:
    return _span(value, precision)[1]


def _version(number: int | None) -> str:
    # Blank for a claim without versions (a draft, in the editors' export).
    return str(number) if number else ""


def _version_url(template: str, claim_id: int, number: int | None) -> str:
    return template.format(claim_id, number) if number else ""


def _text(header: str, part: Part, description: str, *, field: str = "") -> Column:
    """A column of one text field (by default the one the header names), made safe."""
    return Column(header, part, (field or header,), escape_text, description)


def _as_is(header: str, part: Part, description: str, *, field: str = "") -> Column:
    """A column of one field (by default the one the header names) whose value is its text."""
    return Column(header, part, (field or header,), None, description)


def _number(header: str, part: Part, field: str, description: str) -> Column:
    """A column of one whole number (an id or an offset)."""
    return Column(header, part, (field,), str, description)


def _list(header: str, description: str) -> Column:
    """A claim's list of names (one of `RELATED`, by the header's name), joined."""
    return Column(header, Part.CLAIM, (header,), _joined, description)


def _partial_date(header: str, part: Part, description: str) -> Column:
    """A date at its precision, from the field the header names and its precision."""
    return Column(
        header, part, (f"{header}_raw", f"{header}_precision"), format_partial_date, description
    )


def _link(header: str, relation: LinkRelation, end: str, description: str) -> Column:
    return Column(header, Part.CLAIM, (header,), _ids, description, link=(relation, end))


# Dates and the value come as the driver gives them (the queryset's *_raw
# annotations: a date or ISO text, a number), as the CSV only needs their text.
# Columns added after the first release's go at the end, so scripts reading by
# position still work.
COLUMNS: tuple[Column, ...] = (
    _number("claim_id", Part.CLAIM, "pk", "The claim's number; its page is /claims/<claim_id>/."),
    _text("claim", Part.CLAIM, "The claim's statement.", field="statement"),
    _as_is(
        "claim_status",
        Part.CLAIM,
        "The claim's status: published, as the site exports published claims only.",
        field="status",
    ),
    _partial_date(
        "event_date",
        Part.CLAIM,
        "The date the claim is about, at its precision (2022, 2022-02 or 2022-02-22).",
    ),
    _as_is("event_date_precision", Part.CLAIM, "day, month, year or unknown."),
    Column(
        "value",
        Part.CLAIM,
        ("value_raw",),
        format_number,
        "The quantity the claim states, as a plain number.",
    ),
    _text("unit", Part.CLAIM, "The unit of the value, e.g. percent, troops, USD."),
    _list("topics", "The claim's topics, joined with '; '."),
    _list("entities", "The entities it names, joined with '; '."),
    _text("quote", Part.QUOTE, "The verbatim quote (one row per quote).", field="exact"),
    _number(
        "quote_start",
        Part.QUOTE,
        "start",
        "Where the quote starts in the source's text (a character offset).",
    ),
    _number("quote_end", Part.QUOTE, "end", "Where it ends (exclusive)."),
    _number("paragraph", Part.QUOTE, "locator", "The paragraph of the source the quote is in."),
    _text("source_title", Part.SOURCE, "The source's title.", field="title"),
    _text("author", Part.SOURCE, "The source's author; blank when unknown."),
    _text("outlet", Part.SOURCE, "Where the source was published; blank when unknown."),
    _partial_date("published", Part.SOURCE, "The source's publication date, at its precision."),
    _as_is("published_precision", Part.SOURCE, "day, month, year or unknown."),
    _text("url", Part.SOURCE, "The original's address; blank when unknown."),
    Column(
        "source_page",
        Part.SOURCE,
        ("source_url_template", "slug"),
        str.format,
        "The source's page here (add #q<id> for the quote).",
    ),
    Column(
        "claim_page",
        Part.CLAIM,
        ("claim_url_template", "pk"),
        str.format,
        "The claim's permanent page.",
    ),
    _link(
        "contradicted_by",
        LinkRelation.CONTRADICTS,
        "either",
        "Published claims that contradict this one (ids, joined with '; ').",
    ),
    _link(
        "supported_by",
        LinkRelation.SUPPORTS,
        "to",
        "Published claims that support this one.",
    ),
    _as_is("exported_at", Part.CLAIM, "When the file was made (ISO 8601, UTC)."),
    _list("claimants", "Who asserts the claim, as Name (role), joined with '; '."),
    _partial_date(
        "as_of_start", Part.CLAIM, "The start of the period the claim holds for, at its precision."
    ),
    _partial_date("as_of_end", Part.CLAIM, "The end of that period."),
    _text("measure", Part.CLAIM, "How a figure was measured or determined."),
    Column(
        "place",
        Part.CLAIM,
        ("place__name",),
        _text_or_blank,
        "Where the claim holds (an entity's name).",
    ),
    # Added in the second round of researcher work (issue 14).
    Column(
        "event_date_start",
        Part.CLAIM,
        ("event_date_raw", "event_date_precision"),
        _span_start,
        "The first day the event date covers (any date parser reads it).",
    ),
    Column(
        "event_date_end",
        Part.CLAIM,
        ("event_date_raw", "event_date_precision"),
        _span_end,
        "The last day the event date covers.",
    ),
    _link("supports", LinkRelation.SUPPORTS, "from", "Published claims this one supports."),
    _link("qualifies", LinkRelation.QUALIFIES, "from", "Published claims this one qualifies."),
    _link("qualified_by", LinkRelation.QUALIFIES, "to", "Published claims that qualify this one."),
    _link("updates", LinkRelation.UPDATES, "from", "Earlier claims this one updates."),
    _link("updated_by", LinkRelation.UPDATES, "to", "Later claims that update this one."),
    _link("duplicates", LinkRelation.DUPLICATES, "from", "Claims this one duplicates."),
    _link("duplicated_by", LinkRelation.DUPLICATES, "to", "Claims that duplicate this one."),
    # Issue 14, part 5: the public version the row cites, and its permanent page.
    Column(
        "claim_version",
        Part.CLAIM,
        ("version_number",),
        _version,
        "The claim's newest public version number (blank before its first).",
    ),
    Column(
        "version_url",
        Part.CLAIM,
        ("version_url_template", "pk", "version_number"),
        _version_url,
        "That version's permanent URL (/claims/<id>/v/<n>/); later edits keep it.",
    ),
)

HEADER = [column.header for column in COLUMNS]
LINK_COLUMNS = [column for column in COLUMNS if column.link]

# The names of the values a claim's columns read besides its query's: the lists
# each chunk reads for its claims (one query each, see `_related_by_claim`), and
# the export's own values.
RELATED = ("topics", "entities", "claimants", *(column.header for column in LINK_COLUMNS))
CONTEXT = ("exported_at", "claim_url_template", "version_url_template", "source_url_template")


def _query_fields(part: Part, first: tuple[str, ...]) -> tuple[str, ...]:
    """`first`, then each value the part's columns read from its query, once each."""
    fields = dict.fromkeys(first)
    for column in COLUMNS:
        if column.part is part:
            fields.update(dict.fromkeys(f for f in column.fields if f not in (*RELATED, *CONTEXT)))
    return tuple(fields)


# What each query reads: a claim's id first (the key of its quotes and related
# lists), a quote's claim and source first (its claim's rows, its source's cells).
CLAIM_FIELDS = _query_fields(Part.CLAIM, ("pk",))
QUOTE_FIELDS = _query_fields(Part.QUOTE, ("claim_id", "source_id"))
SOURCE_FIELDS = _query_fields(Part.SOURCE, ("pk",))
# The values a record of each part holds, in order: its query's, then the others.
_NAMES = {
    Part.CLAIM: (*CLAIM_FIELDS, *RELATED, *CONTEXT),
    Part.QUOTE: QUOTE_FIELDS,
    Part.SOURCE: (*SOURCE_FIELDS, *CONTEXT),
}

# How a cell is made from its part's record: (format, index of its one value, None),
# or (format, 0, getter of its values) for a column made from several.
_Step = tuple[Callable[..., str] | None, int, Callable[[Sequence[Any]], tuple] | None]


def _steps(columns: Iterable[Column], names: tuple[str, ...]) -> tuple[_Step, ...]:
    steps: list[_Step] = []
    for column in columns:
        where = [names.index(field) for field in column.fields]
        many = itemgetter(*where) if len(where) > 1 else None
        steps.append((column.format, where[0], many))
    return tuple(steps)


def _cells(steps: tuple[_Step, ...], record: Sequence[Any]) -> list[str]:
    # The hot loop: one comprehension, no call for a value that already is its text.
    return [
        record[i] if fmt is None else fmt(record[i]) if many is None else fmt(*many(record))
        for fmt, i, many in steps
    ]


# The runs of adjacent columns of one part, in header order (today a claim's, a
# quote's, its source's, then the claim's again). Each run is written as one piece
# of CSV text; a row is its runs' pieces joined with commas. A claim's pieces are
# the same in all of its rows, so each claim gets a row template with a hole (%s)
# for each of the other runs (`_HOLES`, in order).
def _runs() -> list[tuple[Part, int, tuple[_Step, ...]]]:
    """Each run as (part, how many runs of that part come before it, its steps)."""
    runs: list[tuple[Part, int, tuple[_Step, ...]]] = []
    for part, columns in groupby(COLUMNS, key=lambda column: column.part):
        before = sum(1 for of, _, _ in runs if of is part)
        runs.append((part, before, _steps(columns, _NAMES[part])))
    return runs


_RUNS = _runs()
_RUN_STEPS = {part: [steps for of, _, steps in _RUNS if of is part] for part in Part}
_HOLES = [run for run in _RUNS if run[0] is not Part.CLAIM]
# What a claim's row template is made from: "{}" for each of its pieces, "%s" for
# each hole.
_TEMPLATE = ",".join("{}" if part is Part.CLAIM else "%s" for part, _, _ in _RUNS) + "\r\n"


def _row_template(claim_pieces: list[str]) -> str:
    return _TEMPLATE.format(*[piece.replace("%", "%%") for piece in claim_pieces])


def _batches(rows: Iterator, size: int, first: int) -> Iterator[list]:
    """Successive lists of up to `size` rows, the first of up to `first`."""
    wanted = first
    while batch := list(islice(rows, wanted)):
        yield batch
        wanted = size


class _CellWriter:
    """CSV text of rows of cells, each without a line end, from the csv module.

    The export formats a claim's and a source's cells once and writes only a
    quote's own cells per row: a row joins those parts with commas, which is
    exactly what csv.writer writes for the whole row (each cell is quoted on
    its own), at a third of the cost.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.writer = csv.writer(self, lineterminator="")

    def write(self, text: str) -> None:
        self.parts.append(text)

    def rows(self, rows: list[list[str]]) -> list[str]:
        self.parts = []
        self.writer.writerows(rows)
        # csv.writer writes a row with one write(); anything else would misalign rows.
        if len(self.parts) != len(rows):
            raise RuntimeError("csv.writer wrote a row in several parts")
        return self.parts

    def row(self, cells: list[str]) -> str:
        return self.rows([cells])[0]


def _names_by_claim(through: Any, claim_ids: list[int], field: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    rows = through.objects.filter(claim__in=IdList(claim_ids)).order_by(f"{field}__name")
    for claim_id, name in rows.values_list("claim_id", f"{field}__name"):
        found[claim_id].append(name)
    return found


def _claimants_by_claim(claim_ids: list[int]) -> dict[int, list[str]]:
    """Each claim's claimants as "Name (role)", in the editor's order."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = Attribution.objects.filter(claim__in=IdList(claim_ids)).order_by("claim_id", "pk")
    for claim_id, name, role in rows.values_list("claim_id", "entity__name", "role"):
        found[claim_id].append(f"{name} ({role})")
    return found


def _links_by_claim(claim_ids: list[int], public: bool) -> dict[str, dict[int, list[int]]]:
    """For each link column, the ids it lists for each claim."""
    chosen = ClaimLink.objects.public() if public else ClaimLink.objects.all()
    links = chosen.order_by().values_list("from_claim_id", "to_claim_id", "relation")
    # A UNION of the two ends, each from its index: `from IN … OR to IN …` made
    # PostgreSQL scan every link, 84 ms a chunk at 1,000,000 quotes. The relations
    # are sorted out below: filtering them in SQL led SQLite without statistics to
    # read every link of those relations for each chunk.
    ids = IdList(claim_ids)
    touching = links.filter(from_claim__in=ids).union(links.filter(to_claim__in=ids))
    columns: dict[str, dict[int, list[int]]] = {
        column.header: defaultdict(list) for column in LINK_COLUMNS
    }
    for source, target, relation in touching:
        for column in LINK_COLUMNS:
            wanted, end = column.link or (None, "")
            if relation != wanted:
                continue
            if end in ("to", "either"):
                columns[column.header][target].append(source)
            if end in ("from", "either"):
                columns[column.header][source].append(target)
    return columns


def _related_by_claim(claim_ids: list[int], public: bool) -> list[dict[int, list]]:
    """The lists `RELATED` names, each by claim, in that order."""
    found: dict[str, dict[int, list]] = {
        "topics": _names_by_claim(Topic.claims.through, claim_ids, "topic"),
        "entities": _names_by_claim(Entity.claims.through, claim_ids, "entity"),
        "claimants": _claimants_by_claim(claim_ids),
        **_links_by_claim(claim_ids, public),
    }
    return [found[name] for name in RELATED]


def citation_text(
    claims: QuerySet[Claim],
    *,
    base_url: str,
    exported_at: dt.datetime,
    public: bool = True,
    chunk_size: int = CLAIMS_PER_CHUNK,
) -> Iterator[str]:
    """The citation CSV's rows for `claims` (CRLF line ends), one string per chunk of claims.

    The claims are read newest first in one pass (through a server-side cursor
    on PostgreSQL, from the list's own index), so the first rows go out before
    the last claim is read: sorting every quote first kept the first row back
    for a second at 100,000 claims. Each chunk then costs a fixed number of
    queries: its quotes, the sources not seen yet, and its claims' topics,
    entities, claimants and links. Claim and source cells are formatted once each.

    On PostgreSQL it all runs in one transaction: the server-side cursor then streams
    (outside one, Django declares it WITH HOLD, and PostgreSQL computes every
    row before the first), and a chunk's queries read what the claims did.
    """
    # Only PostgreSQL needs the transaction. On SQLite, where write transactions are
    # IMMEDIATE (see settings), one would hold the write lock for the whole export.
    streaming = connections[claims.db].vendor == "postgresql"
    with transaction.atomic(using=claims.db) if streaming else nullcontext():
        # Every queryset of claims is Claim.objects' ClaimQuerySet (django-filter's `qs`
        # is typed as a plain QuerySet).
        chosen = cast("ClaimQuerySet", claims)
        yield from _citation_chunks(chosen, base_url, exported_at, public, chunk_size)


def _citation_chunks(
    claims: ClaimQuerySet, base_url: str, exported_at: dt.datetime, public: bool, chunk_size: int
) -> Iterator[str]:
    context = (  # CONTEXT's values, in its order
        exported_at.isoformat(timespec="seconds"),
        base_url + reverse("claims:claim-detail", args=[0]).replace("/0/", "/{}/"),
        base_url + reverse("claims:claim-version", args=[0, 1]).replace("/0/v/1/", "/{}/v/{}/"),
        base_url + reverse("claims:source-detail", args=["slug"]).replace("/slug/", "/{}/"),
    )
    cells = _CellWriter()
    claim_steps, source_steps = _RUN_STEPS[Part.CLAIM], _RUN_STEPS[Part.SOURCE]
    source_pieces: dict[int, list[str]] = {}
    rows = claims.for_citations().values_list(*CLAIM_FIELDS).iterator(chunk_size=chunk_size)
    for chunk in _batches(rows, chunk_size, first=min(FIRST_CHUNK, chunk_size)):
        ids = [row[0] for row in chunk]
        quotes: dict[int, list[tuple]] = defaultdict(list)
        for quote in Quote.objects.for_citations(ids).values_list(*QUOTE_FIELDS):
            quotes[quote[0]].append(quote)
        unseen = {quote[1] for found in quotes.values() for quote in found} - source_pieces.keys()
        if unseen:
            for source in Source.objects.for_citations(unseen).values_list(*SOURCE_FIELDS):
                record = source + context
                source_pieces[source[0]] = cells.rows(
                    [_cells(steps, record) for steps in source_steps]
                )
        related = _related_by_claim(ids, public)
        out: list[str] = []
        for row in chunk:
            found = quotes.get(row[0])
            if not found:
                continue  # a row is a quote: a claim without one has none
            claim_id = row[0]
            record = row + tuple([lists.get(claim_id, ()) for lists in related]) + context
            template = _row_template(cells.rows([_cells(steps, record) for steps in claim_steps]))
            holes = [
                cells.rows([_cells(steps, quote) for quote in found])
                if part is Part.QUOTE
                else [source_pieces[quote[1]][k] for quote in found]
                for part, k, steps in _HOLES
            ]
            out.extend(template % pieces for pieces in zip(*holes, strict=True))
        yield "".join(out)


def csv_chunks(chunks: Iterable[str], *, bom: bool = False) -> Iterator[str]:
    """RFC 4180 text (CRLF line ends): the header first, then the chunks' rows."""
    yield ("\ufeff" if bom else "") + _CellWriter().row(HEADER) + "\r\n"
    yield from chunks


def export_filename(today: dt.date) -> str:
    """The download's file name, e.g. factreg-citations-2026-11-29.csv."""
    return f"factreg-citations-{today.isoformat()}.csv"


def citations_response(
    claims: QuerySet[Claim], *, base_url: str, now: dt.datetime, bom: bool, public: bool = True
) -> StreamingHttpResponse:
    """A streamed CSV download of the citations behind `claims`."""
    # The database answers before the response starts, so one that cannot be reached
    # is a 503, not a 200 with a header row and nothing else. (The stream itself
    # starts nothing here: a response never read leaves no transaction open.) A
    # failure after the first byte is raised out of the stream, so the server ends
    # the response abnormally (gunicorn sends no final chunk) and the client sees a
    # broken download, never a short file that looks complete.
    failures.ping(claims.db)
    chunks = citation_text(claims, base_url=base_url, exported_at=now, public=public)
    response = StreamingHttpResponse(
        (text.encode("utf-8") for text in csv_chunks(chunks, bom=bom)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(now.date())}"'
    return response
