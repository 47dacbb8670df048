"""The registry's health check as one JSON-ready object (`manage.py registry_report`).

Reads only. Each part of the report has its own row function, and `build_report`
puts them together, so the command and the tests read one definition.
"""

from __future__ import annotations

from typing import Any, TypedDict

from claims import services
from claims.models import Claim, ClaimLink, Entity, Quote, Source, Topic
from claims.services import Coverage


class QuoteRow(TypedDict):
    """A quote in the report: where it sits in its source text and in the seed file."""

    id: int
    claim: int
    source: str
    seed_file: str
    seed_start: int | None
    seed_end: int | None
    start: int
    end: int
    exact: str
    verbatim: bool


def build_report() -> dict[str, Any]:
    """The registry as one JSON-ready object: counts, sources, claims, quotes, links."""
    sources = list(Source.objects.with_origin().in_reading_order())
    claims = list(Claim.objects.order_by("pk").prefetch_related("topics", "entities"))
    links = list(ClaimLink.objects.order_by("pk"))
    quotes = [quote_row(q) for q in Quote.objects.for_report()]
    names = services.entity_names()
    coverage = {
        s.slug: services.coverage(services.source_candidates(source=s, names=names))
        for s in sources
    }
    return {
        "counts": counts(sources=sources, claims=claims, quotes=quotes, links=links),
        "sources": [source_row(s, coverage[s.slug]) for s in sources],
        "claims": [claim_row(c) for c in claims],
        "quotes": quotes,
        "links": [link_row(link) for link in links],
    }


def counts(
    *,
    sources: list[Source],
    claims: list[Claim],
    quotes: list[QuoteRow],
    links: list[ClaimLink],
) -> dict[str, Any]:
    """The totals at the top of the report."""
    by_status = dict.fromkeys(Claim.Status.values, 0)
    for claim in claims:
        by_status[claim.status] += 1
    by_relation = dict.fromkeys(ClaimLink.Relation.values, 0)
    for link in links:
        by_relation[link.relation] += 1
    claim_sources: dict[int, set[str]] = {}
    per_file: dict[str, set[int]] = {}
    for q in quotes:
        claim_sources.setdefault(q["claim"], set()).add(q["source"])
        if q["seed_file"]:
            per_file.setdefault(q["seed_file"], set()).add(q["claim"])
    across = sum(
        link.relation == ClaimLink.Relation.CONTRADICTS
        and claim_sources.get(link.from_claim_id) != claim_sources.get(link.to_claim_id)
        for link in links
    )
    return {
        "sources": len(sources),
        "topics": Topic.objects.count(),
        "entities": Entity.objects.count(),
        "claims": sum(by_status.values()),
        "claims_by_status": by_status,
        "quotes": len(quotes),
        "quotes_not_verbatim": sum(not q["verbatim"] for q in quotes),
        "links": sum(by_relation.values()),
        "links_by_relation": by_relation,
        "contradicts_across_sources": across,
        "claims_per_seed_file": {name: len(ids) for name, ids in sorted(per_file.items())},
        # Pairs that may need a link, neither linked nor dismissed (services.suggested_pairs).
        "suggestions_open": len(services.suggested_pairs(limit=None)),
    }


def quote_row(q: Quote) -> QuoteRow:
    """A quote, with its offsets in its seed file where the source came from one."""
    seed_start = q.source.seed_start
    return {
        "id": q.pk,
        "claim": q.claim_id,
        "source": q.source.slug,
        "seed_file": q.source.seed_file,
        "seed_start": None if seed_start is None else seed_start + q.start,
        "seed_end": None if seed_start is None else seed_start + q.end,
        "start": q.start,
        "end": q.end,
        "exact": q.exact,
        "verbatim": q.is_verbatim,
    }


def source_row(s: Source, coverage: Coverage) -> dict[str, Any]:
    """A source's metadata, origin and how much of its checkable sentences is covered."""
    return {
        "slug": s.slug,
        "title": s.title,
        "author": s.author,
        "outlet": s.outlet,
        "published": s.published_display,
        "seed_file": s.seed_file,
        "seed_start": s.seed_start,
        "seed_end": s.seed_end,
        "origin": origin(s),
        "coverage": {
            "candidates": coverage.candidates,
            "claimed": coverage.claimed,
            "dismissed": coverage.dismissed,
            "open": coverage.open,
            "share": round(coverage.share, 4),
        },
    }


def claim_row(c: Claim) -> dict[str, Any]:
    """A claim's status, statement, date, tags and value."""
    return {
        "id": c.pk,
        "status": c.status,
        "statement": c.statement,
        "event_date": c.event_date_display or None,
        "topics": sorted(t.slug for t in c.topics.all()),
        "entities": sorted(e.slug for e in c.entities.all()),
        "value": None if c.value is None else float(c.value),
        "unit": c.unit,
    }


def link_row(link: ClaimLink) -> dict[str, Any]:
    """A link's ends, relation and rationale."""
    return {
        "from": link.from_claim_id,
        "to": link.to_claim_id,
        "relation": link.relation,
        "rationale": link.rationale,
    }


def origin(source: Source) -> dict[str, Any] | None:
    """Where a source's text came from: the original's kind, type, digest and extractor."""
    original = source.original
    if original is None:
        return None
    return {
        "kind": original.kind,
        "media_type": original.media_type,
        "sha256": original.sha256,
        "size": original.size,
        "filename": original.filename,
        "url": original.url,
        "final_url": original.final_url,
        "received_at": original.received_at.isoformat(),
        "extractor": source.extractor,
        "extractor_version": source.extractor_version,
        "text_edited_at": source.text_edited_at.isoformat() if source.text_edited_at else None,
    }
