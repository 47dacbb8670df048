"""Citation exports: one CSV row per quote, streamed in chunks."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse

from claims.csvsafe import escape_text, format_number
from claims.models import Claim, ClaimLink, Entity, Quote, Topic, format_partial_date

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
]
CHUNK_SIZE = 2000
JOIN = "; "


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    """Successive lists of up to `size` rows (itertools.batched arrives in 3.12)."""
    while batch := list(islice(rows, size)):
        yield batch


def _names_by_claim(through, claim_ids: set[int], field: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    rows = through.objects.filter(claim_id__in=claim_ids).order_by(f"{field}__name")
    for claim_id, name in rows.values_list("claim_id", f"{field}__name"):
        found[claim_id].append(name)
    return found


def _links_by_claim(
    claim_ids: set[int], public: bool
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Ids of the claims that contradict and that support each claim."""
    links = ClaimLink.objects.public() if public else ClaimLink.objects.all()
    links = links.touching(claim_ids).filter(relation__in=["contradicts", "supports"])
    contradicted: dict[int, list[int]] = defaultdict(list)
    supported: dict[int, list[int]] = defaultdict(list)
    for source, target, relation in links.values_list("from_claim_id", "to_claim_id", "relation"):
        if relation == "contradicts":
            contradicted[source].append(target)
            contradicted[target].append(source)
        else:
            supported[target].append(source)
    return contradicted, supported


def citation_rows(
    claims: QuerySet[Claim],
    *,
    base_url: str,
    exported_at: dt.datetime,
    public: bool = True,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[list[list[str]]]:
    """Rows of the citation CSV for `claims`, one list of rows per chunk of quotes.

    Each chunk costs a fixed number of queries: the quotes themselves (read
    through a server-side cursor on PostgreSQL), then the topics, entities and
    links of that chunk's claims. Claim and source cells are formatted once
    per claim and source, not once per quote.
    """
    stamp = exported_at.isoformat(timespec="seconds")
    claim_url = base_url + reverse("claims:claim-detail", args=[0]).replace("/0/", "/{}/")
    source_url = base_url + reverse("claims:source-detail", args=["slug"]).replace("/slug/", "/{}/")
    source_cells: dict[str, list[str]] = {}
    rows = Quote.objects.for_citations(claims).iterator(chunk_size=chunk_size)
    for chunk in _batches(rows, chunk_size):
        ids = {row[0] for row in chunk}
        topics = _names_by_claim(Topic.claims.through, ids, "topic")
        entities = _names_by_claim(Entity.claims.through, ids, "entity")
        contradicted, supported = _links_by_claim(ids, public)
        claim_cells: dict[int, tuple[list[str], list[str]]] = {}
        out = []
        for (
            claim_id,
            statement,
            status,
            event_date,
            event_precision,
            value,
            unit,
            exact,
            start,
            end,
            locator,
            title,
            author,
            outlet,
            published,
            published_precision,
            url,
            slug,
        ) in chunk:
            if claim_id not in claim_cells:
                claim_cells[claim_id] = (
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
                    ],
                    [
                        claim_url.format(claim_id),
                        JOIN.join(str(i) for i in sorted(set(contradicted[claim_id]))),
                        JOIN.join(str(i) for i in sorted(set(supported[claim_id]))),
                        stamp,
                    ],
                )
            if slug not in source_cells:
                source_cells[slug] = [
                    escape_text(title),
                    escape_text(author),
                    escape_text(outlet),
                    format_partial_date(published, published_precision),
                    published_precision,
                    escape_text(url),
                    source_url.format(slug),
                ]
            before, after = claim_cells[claim_id]
            out.append(
                [
                    *before,
                    escape_text(exact),
                    str(start),
                    str(end),
                    str(locator),
                    *source_cells[slug],
                    *after,
                ]
            )
        yield out


def csv_chunks(chunks: Iterable[list[list[str]]], *, bom: bool = False) -> Iterator[str]:
    """RFC 4180 text (CRLF line ends): the header first, then one string per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield ("\ufeff" if bom else "") + buffer.getvalue()
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue()


def export_filename(today: dt.date) -> str:
    """The download's file name, e.g. factreg-citations-2026-11-29.csv."""
    return f"factreg-citations-{today.isoformat()}.csv"


def citations_response(
    claims: QuerySet[Claim], *, base_url: str, now: dt.datetime, bom: bool, public: bool = True
) -> StreamingHttpResponse:
    """A streamed CSV download of the citations behind `claims`."""
    chunks = citation_rows(claims, base_url=base_url, exported_at=now, public=public)
    response = StreamingHttpResponse(
        (text.encode("utf-8") for text in csv_chunks(chunks, bom=bom)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(now.date())}"'
    return response
