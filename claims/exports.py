"""Citation exports: one CSV row per quote, streamed in chunks."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from itertools import islice

from django.db import connections, transaction
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse

from claims import failures
from claims.csvsafe import escape_text, format_number
from claims.models import (
    Attribution,
    Claim,
    ClaimLink,
    Entity,
    Quote,
    Source,
    Topic,
    format_partial_date,
    partial_date_span,
)
from claims.querysets import IdList

# The link columns, each once: (header, relation, which end of the link the row's
# claim is: "to" lists the claims linking to it, "from" those it links to, "either"
# both). The first two are the first release's and keep their places.
LINK_COLUMNS = [
    ("contradicted_by", ClaimLink.Relation.CONTRADICTS, "either"),
    ("supported_by", ClaimLink.Relation.SUPPORTS, "to"),
    ("supports", ClaimLink.Relation.SUPPORTS, "from"),
    ("qualifies", ClaimLink.Relation.QUALIFIES, "from"),
    ("qualified_by", ClaimLink.Relation.QUALIFIES, "to"),
    ("updates", ClaimLink.Relation.UPDATES, "from"),
    ("updated_by", ClaimLink.Relation.UPDATES, "to"),
    ("duplicates", ClaimLink.Relation.DUPLICATES, "from"),
    ("duplicated_by", ClaimLink.Relation.DUPLICATES, "to"),
]

HEADER = [
    "claim_id",
    "claim",
    "claim_status",
    "event_date",
    "event_date_precision",
    "value",
    "unit",
    "topics",
    "entities",
    "quote",
    "quote_start",
    "quote_end",
    "paragraph",
    "source_title",
    "author",
    "outlet",
    "published",
    "published_precision",
    "url",
    "source_page",
    "claim_page",
    "contradicted_by",
    "supported_by",
    "exported_at",
    # Added after the first release's columns, so scripts reading by position still work.
    "claimants",
    "as_of_start",
    "as_of_end",
    "measure",
    "place",
    # Added in the second round of researcher work (issue 14), again at the end.
    "event_date_start",
    "event_date_end",
    *(column for column, _, _ in LINK_COLUMNS[2:]),
    # Issue 14, part 5: the public version the row cites, and its permanent page.
    "claim_version",
    "version_url",
]
CLAIMS_PER_CHUNK = 1000
FIRST_CHUNK = 100  # a small first chunk: the download starts at once (0.3 s with 1,000)
JOIN = "; "


def _batches(rows: Iterator, size: int, first: int) -> Iterator[list]:
    """Successive lists of up to `size` rows, the first of up to `first`."""
    wanted = first
    while batch := list(islice(rows, wanted)):
        yield batch
        wanted = size


class _CellWriter:
    """CSV text of rows of cells, each without a line end, from the csv module.

    The export formats a claim's and a source's cells once and writes only a
    quote's own four cells per row: a row joins those parts with commas, which
    is exactly what csv.writer writes for the whole row (each cell is quoted on
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


def _names_by_claim(through, claim_ids: list[int], field: str) -> dict[int, list[str]]:
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


def _ids(ids: list[int]) -> str:
    return JOIN.join(str(i) for i in sorted(set(ids)))


def _links_by_claim(claim_ids: list[int], public: bool) -> dict[str, dict[int, list[int]]]:
    """For each link column (LINK_COLUMNS), the ids it lists for each claim."""
    links = ClaimLink.objects.public() if public else ClaimLink.objects.all()
    links = links.order_by().values_list("from_claim_id", "to_claim_id", "relation")
    # A UNION of the two ends, each from its index: `from IN … OR to IN …` made
    # PostgreSQL scan every link, 84 ms a chunk at 1,000,000 quotes. The relations
    # are sorted out below: filtering them in SQL led SQLite without statistics to
    # read every link of those relations for each chunk.
    ids = IdList(claim_ids)
    touching = links.filter(from_claim__in=ids).union(links.filter(to_claim__in=ids))
    columns: dict[str, dict[int, list[int]]] = {
        column: defaultdict(list) for column, _, _ in LINK_COLUMNS
    }
    for source, target, relation in touching:
        for column, wanted, end in LINK_COLUMNS:
            if relation != wanted:
                continue
            if end in ("to", "either"):
                columns[column][target].append(source)
            if end in ("from", "either"):
                columns[column][source].append(target)
    return columns


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
    entities and links. Claim and source cells are formatted once each.

    On PostgreSQL it all runs in one transaction: the server-side cursor then streams
    (outside one, Django declares it WITH HOLD, and PostgreSQL computes every
    row before the first), and a chunk's queries read what the claims did.
    """
    # Only PostgreSQL needs the transaction. On SQLite, where write transactions are
    # IMMEDIATE (see settings), one would hold the write lock for the whole export.
    streaming = connections[claims.db].vendor == "postgresql"
    with transaction.atomic(using=claims.db) if streaming else nullcontext():
        yield from _citation_chunks(claims, base_url, exported_at, public, chunk_size)


def _citation_chunks(
    claims: QuerySet[Claim], base_url: str, exported_at: dt.datetime, public: bool, chunk_size: int
) -> Iterator[str]:
    stamp = exported_at.isoformat(timespec="seconds")
    claim_url = base_url + reverse("claims:claim-detail", args=[0]).replace("/0/", "/{}/")
    version_url = base_url + reverse("claims:claim-version", args=[0, 1]).replace(
        "/0/v/1/", "/{}/v/{}/"
    )
    source_url = base_url + reverse("claims:source-detail", args=["slug"]).replace("/slug/", "/{}/")
    cells = _CellWriter()
    source_cells: dict[int, str] = {}
    rows = claims.for_citations().iterator(chunk_size=chunk_size)
    for chunk in _batches(rows, chunk_size, first=min(FIRST_CHUNK, chunk_size)):
        ids = [row[0] for row in chunk]
        quotes: dict[int, list[tuple]] = defaultdict(list)
        for claim_id, *quote in Quote.objects.for_citations(ids):
            quotes[claim_id].append(quote)
        unseen = {quote[0] for found in quotes.values() for quote in found} - source_cells.keys()
        for source_id, title, author, outlet, published, precision, url, slug in (
            Source.objects.for_citations(unseen) if unseen else ()
        ):
            source_cells[source_id] = cells.row(
                [
                    escape_text(title),
                    escape_text(author),
                    escape_text(outlet),
                    format_partial_date(published, precision),
                    precision,
                    escape_text(url),
                    source_url.format(slug),
                ]
            )
        topics = _names_by_claim(Topic.claims.through, ids, "topic")
        entities = _names_by_claim(Entity.claims.through, ids, "entity")
        linked = _links_by_claim(ids, public)
        claimants = _claimants_by_claim(ids)
        out = []
        for (
            claim_id,
            statement,
            status,
            event_date,
            event_precision,
            value,
            unit,
            as_of_start,
            as_of_start_precision,
            as_of_end,
            as_of_end_precision,
            measure,
            place,
            version,
        ) in chunk:
            if claim_id not in quotes:
                continue  # a row is a quote: a claim without one has none
            before = cells.row(
                [
                    str(claim_id),
                    escape_text(statement),
                    status,
                    format_partial_date(event_date, event_precision),
                    event_precision,
                    format_number(value),
                    escape_text(unit),
                    escape_text(JOIN.join(topics[claim_id])),
                    escape_text(JOIN.join(entities[claim_id])),
                ]
            )
            after = cells.row(
                [
                    claim_url.format(claim_id),
                    *(_ids(linked[column][claim_id]) for column, _, _ in LINK_COLUMNS[:2]),
                    stamp,
                    escape_text(JOIN.join(claimants[claim_id])),
                    format_partial_date(as_of_start, as_of_start_precision),
                    format_partial_date(as_of_end, as_of_end_precision),
                    escape_text(measure),
                    escape_text(place or ""),
                    *partial_date_span(event_date, event_precision),
                    *(_ids(linked[column][claim_id]) for column, _, _ in LINK_COLUMNS[2:]),
                    # Blank for a claim without versions (a draft, in the editors' export).
                    str(version) if version else "",
                    version_url.format(claim_id, version) if version else "",
                ]
            )
            found = quotes[claim_id]
            own = cells.rows(
                [
                    [escape_text(exact), str(start), str(end), str(locator)]
                    for _, exact, start, end, locator in found
                ]
            )
            out.extend(
                f"{before},{quote},{source_cells[source_id]},{after}\r\n"
                for quote, (source_id, *_) in zip(own, found, strict=True)
            )
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
