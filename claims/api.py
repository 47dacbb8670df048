"""The read-only JSON API: Django's JsonResponse over the same FilterSet as the pages.

Three read-only endpoints do not need a REST framework: the claim list reuses
ClaimFilter and the list's pagination, and errors are JSON with 400 or 404.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.paginator import InvalidPage
from django.db.models import Model
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views import View
from django_filters.views import FilterMixin

from claims.counts import CachedCountPaginator
from claims.csvsafe import format_number
from claims.filters import ClaimFilter
from claims.models import Claim, ClaimLink, Quote, RegistryState, Source


def error(status: int, message: str, **details) -> JsonResponse:
    """A JSON error body: {"error": message, ...details}."""
    return JsonResponse({"error": message, **details}, status=status)


def _as_stored(row: Model, *fields: str) -> dict[str, object]:
    """The fields of `row` that the JSON gives as they are stored, by their own names."""
    return {name: getattr(row, name) for name in fields}


def source_json(source: Source, request: HttpRequest) -> dict:
    """A source's citation metadata and its permanent page."""
    return {
        **_as_stored(source, "slug", "title", "author", "outlet", "kind", "language"),
        "published": source.published_display or None,
        **_as_stored(source, "published_precision", "url"),
        "page": request.build_absolute_uri(source.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("claims:api-source", args=[source.slug])),
    }


def quote_json(quote: Quote, request: HttpRequest) -> dict:
    """A quote with its offsets (W3C TextPositionSelector) and context."""
    return {
        "id": quote.pk,
        **_as_stored(quote, "exact", "start", "end", "prefix", "suffix"),
        "paragraph": quote.locator,
        "source": source_json(quote.source, request),
    }


def claim_json(claim: Claim, links: list[dict], request: HttpRequest) -> dict:
    """A claim with its quotes, sources, topics, entities and links, and the number and
    page of its newest public version (`with_version_number()`; null if it has none)."""
    version = getattr(claim, "version_number", None)
    return {
        "id": claim.pk,
        "url": request.build_absolute_uri(claim.get_absolute_url()),
        "version": version,
        "version_url": request.build_absolute_uri(
            reverse("claims:claim-version", args=[claim.pk, version])
        )
        if version
        else None,
        "api_url": request.build_absolute_uri(reverse("claims:api-claim", args=[claim.pk])),
        "statement": claim.statement,
        "status": claim.status,
        "event_date": claim.event_date_display or None,
        "event_date_precision": claim.event_date_precision,
        # A decimal string, digit for digit as stored ("1500000000"), never a float
        # in exponent form (1.5e+09) or with binary noise.
        "value": None if claim.value is None else format_number(claim.value),
        "unit": claim.unit,
        "topics": [{"slug": t.slug, "name": t.name} for t in claim.topics.all()],
        "entities": [
            {"slug": e.slug, "name": e.name, "kind": e.kind} for e in claim.entities.all()
        ],
        "claimants": [
            {
                "slug": a.entity.slug,
                "name": a.entity.name,
                "kind": a.entity.kind,
                "role": a.role,
            }
            for a in claim.claimants_shown
        ],
        "as_of": {
            "start": claim.as_of_start_display or None,
            "start_precision": claim.as_of_start_precision,
            "end": claim.as_of_end_display or None,
            "end_precision": claim.as_of_end_precision,
        },
        "measure": claim.measure,
        "place": {"slug": claim.place.slug, "name": claim.place.name} if claim.place else None,
        "quotes": [quote_json(q, request) for q in claim.quotes.all()],
        "links": links,
        "updated_at": claim.updated_at.isoformat(timespec="seconds"),
    }


def links_by_claim(claims: list[Claim], request: HttpRequest) -> dict[int, list[dict]]:
    """Each claim's links to other published claims, read from either end."""
    found: dict[int, list[dict]] = defaultdict(list)
    links = ClaimLink.objects.public().touching(claims)
    for link in links.order_by("relation", "pk"):
        for here, other, direction in (
            (link.from_claim_id, link.to_claim_id, "outgoing"),
            (link.to_claim_id, link.from_claim_id, "incoming"),
        ):
            found[here].append(
                {
                    "relation": link.relation,
                    "direction": "symmetric" if link.is_symmetric else direction,
                    "claim": other,
                    "claim_url": request.build_absolute_uri(
                        reverse("claims:claim-detail", args=[other])
                    ),
                    "rationale": link.rationale,
                }
            )
    return found


class ClaimListApiView(FilterMixin, View):
    """GET /api/claims/: the claim list's filters and pagination, as JSON."""

    filterset_class = ClaimFilter
    queryset = Claim.objects.published().with_evidence().with_version_number()

    def get_queryset(self):
        return self.queryset.all()

    def get(self, request: HttpRequest) -> JsonResponse:
        filterset = self.get_filterset(self.get_filterset_class())
        if filterset.is_bound and not filterset.is_valid():
            return error(400, "Invalid filters.", fields=filterset.errors.get_json_data())
        paginator = CachedCountPaginator(
            filterset.qs,
            filterset.options.page_size,
            generation=RegistryState.current(),
        )
        try:
            page = paginator.page(filterset.options.page_number)
        except InvalidPage as problem:
            return error(404, f"Invalid page: {problem}")
        claims = list(page.object_list)
        links = links_by_claim(claims, request)
        state = filterset.query_state()

        def page_url(number: int | None) -> str | None:
            if number is None:
                return None
            return request.build_absolute_uri(f"{request.path}?{state.page_query(number)}")

        return JsonResponse(
            {
                "count": paginator.count,
                "page": page.number,
                "pages": paginator.num_pages,
                "per_page": paginator.per_page,
                "next": page_url(page.next_page_number() if page.has_next() else None),
                "previous": page_url(page.previous_page_number() if page.has_previous() else None),
                "results": [claim_json(c, links[c.pk], request) for c in claims],
            },
            json_dumps_params={"ensure_ascii": False},
        )


class ClaimApiView(View):
    """GET /api/claims/<id>/: one published claim."""

    queryset = Claim.objects.published().with_evidence().with_version_number()

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        claim = self.queryset.filter(pk=pk).first()
        if claim is None:
            return error(404, f"No published claim has the id {pk}.")
        return JsonResponse(
            claim_json(claim, links_by_claim([claim], request)[claim.pk], request),
            json_dumps_params={"ensure_ascii": False},
        )


class SourceApiView(View):
    """GET /api/sources/<slug>/: a source, its text and its published quotes."""

    queryset = Source.objects.public()

    def get(self, request: HttpRequest, slug: str) -> JsonResponse:
        source = self.queryset.filter(slug=slug).first()
        if source is None:
            return error(404, f"No source has the slug {slug!r}.")
        quotes = source.quotes.published().with_source_meta().order_by("start")
        body = source_json(source, request)
        body["text"] = source.text
        body["claims"] = sorted({q.claim_id for q in quotes})
        body["quotes"] = [
            {**quote_json(q, request), "claim": q.claim_id, "source": source.slug} for q in quotes
        ]
        return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other /api/ path."""
    return error(404, f"No API endpoint at {request.path}.")
