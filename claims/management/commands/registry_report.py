from __future__ import annotations

import json
from typing import TypedDict

from django.core.management.base import BaseCommand

from claims import services
from claims.models import Claim, ClaimLink, Entity, Quote, Source, Topic


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


def build_report() -> dict:
    """The registry as one JSON-ready object: counts, sources, claims, quotes, links."""
    sources = list(Source.objects.with_origin().in_reading_order())
    claims = list(Claim.objects.order_by("pk").prefetch_related("topics", "entities"))
    quotes = Quote.objects.for_report()
    link_rows = list(ClaimLink.objects.order_by("pk"))
    by_status = dict.fromkeys(Claim.Status.values, 0)
    for claim in claims:
        by_status[claim.status] += 1
    by_relation = dict.fromkeys(ClaimLink.Relation.values, 0)
    for link in link_rows:
        by_relation[link.relation] += 1
    quote_rows: list[QuoteRow] = [
        {
            "id": q.pk,
            "claim": q.claim_id,
            "source": q.source.slug,
            "seed_file": q.source.seed_file,
            "seed_start": None if q.source.seed_start is None else q.source.seed_start + q.start,
            "seed_end": None if q.source.seed_start is None else q.source.seed_start + q.end,
            "start": q.start,
            "end": q.end,
            "exact": q.exact,
            "verbatim": q.is_verbatim,
        }
        for q in quotes
    ]
    claim_sources: dict[int, set[str]] = {}
    per_file: dict[str, set[int]] = {}
    for q in quote_rows:
        claim_sources.setdefault(q["claim"], set()).add(q["source"])
        if q["seed_file"]:
            per_file.setdefault(q["seed_file"], set()).add(q["claim"])
    names = services.entity_names()
    coverage = {
        s.slug: services.coverage(services.source_candidates(source=s, names=names))
        for s in sources
    }
    across = sum(
        link.relation == ClaimLink.Relation.CONTRADICTS
        and claim_sources.get(link.from_claim_id) != claim_sources.get(link.to_claim_id)
        for link in link_rows
    )
    return {
        "counts": {
            "sources": len(sources),
            "topics": Topic.objects.count(),
            "entities": Entity.objects.count(),
            "claims": sum(by_status.values()),
            "claims_by_status": by_status,
            "quotes": len(quote_rows),
            "quotes_not_verbatim": sum(not q["verbatim"] for q in quote_rows),
            "links": sum(by_relation.values()),
            "links_by_relation": by_relation,
            "contradicts_across_sources": across,
            "claims_per_seed_file": {name: len(ids) for name, ids in sorted(per_file.items())},
            # Pairs that may need a link, neither linked nor dismissed (services.suggested_pairs).
            "suggestions_open": len(services.suggested_pairs(limit=None)),
        },
        "sources": [
            {
                "slug": s.slug,
                "title": s.title,
                "author": s.author,
                "outlet": s.outlet,
                "published": s.published_display,
                "seed_file": s.seed_file,
                "seed_start": s.seed_start,
                "seed_end": s.seed_end,
                "origin": _origin(s),
                "coverage": {
                    "candidates": coverage[s.slug].candidates,
                    "claimed": coverage[s.slug].claimed,
                    "dismissed": coverage[s.slug].dismissed,
                    "open": coverage[s.slug].open,
                    "share": round(coverage[s.slug].share, 4),
                },
            }
            for s in sources
        ],
        "claims": [
            {
                "id": c.pk,
                "status": c.status,
                "statement": c.statement,
                "event_date": c.event_date_display or None,
                "topics": sorted(t.slug for t in c.topics.all()),
                "entities": sorted(e.slug for e in c.entities.all()),
                "value": None if c.value is None else float(c.value),
                "unit": c.unit,
            }
            for c in claims
        ],
        "quotes": quote_rows,
        "links": [
            {
                "from": link.from_claim_id,
                "to": link.to_claim_id,
                "relation": link.relation,
                "rationale": link.rationale,
            }
            for link in link_rows
        ],
    }


def _origin(source: Source) -> dict | None:
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


class Command(BaseCommand):
    help = "Print the registry's health check: counts, sources, claims, quotes and links."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, json: bool = False, **options) -> None:
        report = build_report()
        if json:
            self.stdout.write(_dumps(report))
            return
        counts = report["counts"]
        self.stdout.write(
            f"{counts['sources']} sources, {counts['topics']} topics, "
            f"{counts['entities']} entities, {counts['claims']} claims, "
            f"{counts['quotes']} quotes, {counts['links']} links"
        )
        self.stdout.write(
            "Claims by status: "
            + ", ".join(f"{k} {v}" for k, v in counts["claims_by_status"].items())
        )
        self.stdout.write(
            "Links by relation: "
            + ", ".join(f"{k} {v}" for k, v in counts["links_by_relation"].items())
        )
        self.stdout.write(
            f"Contradicts links across sources: {counts['contradicts_across_sources']}"
        )
        self.stdout.write(f"Quotes not verbatim: {counts['quotes_not_verbatim']}")
        self.stdout.write(f"Suggested disagreements open: {counts['suggestions_open']}")
        self.stdout.write(
            "Claims per seed file: "
            + ", ".join(f"{k} {v}" for k, v in counts["claims_per_seed_file"].items())
        )
        per_source: dict[str, set[int]] = {}
        for quote in report["quotes"]:
            per_source.setdefault(quote["source"], set()).add(quote["claim"])
        self.stdout.write("\nSources (claims cited, candidate coverage):")
        for source in report["sources"]:
            who = ", ".join(filter(None, [source["author"], source["outlet"], source["published"]]))
            covered = source["coverage"]
            self.stdout.write(
                f"  {len(per_source.get(source['slug'], ())):3d}  {covered['share']:4.0%} "
                f"of {covered['candidates']:3d}  {source['slug']}" + (f" ({who})" if who else "")
            )


def _dumps(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)
