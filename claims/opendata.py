"""Registry rows as linked data: a claim page's JSON-LD and a quote's Web Annotation.

The shapes live in the pure module `linkeddata`; this module reads the rows and
makes the absolute URLs.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from claims import linkeddata
from claims.models import Claim, Quote, Source


def source_work(source: Source, request: HttpRequest) -> linkeddata.Work:
    """A source's citation metadata, as far as it is known."""
    return linkeddata.Work(
        id=request.build_absolute_uri(source.get_absolute_url()),
        name=source.title,
        author=source.author,
        publisher=source.outlet,
        date_published=source.published_display,
        url=source.url,
        language=source.language,
    )


def claim_linked_data(
    claim: Claim,
    *,
    request: HttpRequest,
    quotes: Sequence[Quote],
    first_appearance: Quote | None,
    all_dated: bool,
) -> SafeString:
    """The claim as schema.org JSON-LD, ready for a <script type="application/ld+json">.

    `quotes` are the claim's appearances in order (Claim.appearances()); the first
    appearance is named only when every source is dated. The publication date is
    `published_at` (Claim.objects.with_published_at()), left out when unknown.
    """
    url = request.build_absolute_uri
    published_at = getattr(claim, "published_at", None)
    works = {q.source_id: source_work(q.source, request) for q in quotes}
    data = linkeddata.claim_jsonld(
        url=url(claim.get_absolute_url()),
        text=claim.statement,
        date_published=published_at.isoformat(timespec="seconds") if published_at else "",
        date_modified=claim.updated_at.isoformat(timespec="seconds"),
        temporal_coverage=linkeddata.period(claim.as_of_start_display, claim.as_of_end_display)
        or claim.event_date_display,
        topics=[linkeddata.Named(t.name, url(t.get_absolute_url())) for t in claim.topics.all()],
        mentions=[
            linkeddata.Named(e.name, url(e.get_absolute_url()), e.kind)
            for e in claim.entities.all()
        ],
        claimants=[
            linkeddata.Named(a.entity.name, url(a.entity.get_absolute_url()), a.entity.kind)
            for a in claim.claimants_shown
        ],
        appearances=list(works.values()),
        first_appearance=works[first_appearance.source_id]
        if first_appearance is not None and all_dated
        else None,
        retracted=claim.status == Claim.Status.RETRACTED,
    )
    return mark_safe(linkeddata.script_json(data))  # <, > and & are escaped
