"""W3C Web Annotations of a source: one per published quote, for annotation clients.

GET /api/annotations/?source=<slug> is the source's AnnotationCollection with its
first page embedded; `&page=N` is one AnnotationPage (PAGE_SIZE annotations, in
reading order); /api/annotations/<id>/ is one annotation (its stable `id`).
Offsets count code points in the source's text, as the Web Annotation model does.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views import View

from claims import linkeddata
from claims.api import error
from claims.models import Quote, Source

PAGE_SIZE = 200


class AnnotationQuery(forms.Form):
    """The collection's parameters: which source, and which page of it."""

    source = forms.SlugField(
        max_length=100,
        error_messages={"required": "Name a source: /api/annotations/?source=<slug>."},
    )
    page = forms.IntegerField(min_value=1, max_value=10**9, required=False)


def respond(data: dict, status: int = 200) -> JsonResponse:
    """JSON-LD with the Web Annotation profile."""
    return JsonResponse(
        data,
        status=status,
        content_type=linkeddata.ANNOTATION_MEDIA_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def quote_annotation(quote: Quote, source: Source, request: HttpRequest) -> dict:
    """A published quote as an Annotation on its source's public page."""
    url = request.build_absolute_uri
    return linkeddata.annotation(
        id=url(reverse("claims:api-annotation", args=[quote.pk])),
        source_url=url(source.get_absolute_url()),
        text=source.text,
        start=quote.start,
        end=quote.end,
        statement=quote.claim.statement,
        claim_url=url(quote.claim.get_absolute_url()),
    )


def _published_quotes(source: Source):
    """The source's published quotes in reading order, with only what an annotation shows."""
    return (
        Quote.objects.filter(source=source)
        .published()
        .select_related("claim")
        .only("start", "end", "claim__statement")
        .order_by("start", "pk")
    )


class AnnotationListApiView(View):
    """GET /api/annotations/?source=<slug>[&page=N]."""

    def get(self, request: HttpRequest) -> JsonResponse:
        query = AnnotationQuery(request.GET)
        if not query.is_valid():
            return error(400, "Invalid parameters.", fields=query.errors.get_json_data())
        slug, number = query.cleaned_data["source"], query.cleaned_data["page"]
        source = Source.objects.public().only("slug", "title", "text").filter(slug=slug).first()
        if source is None:
            return error(404, f"No source has the slug {slug!r}.")
        quotes = _published_quotes(source)
        total = quotes.count()
        pages = max(1, -(-total // PAGE_SIZE))
        if number is not None and number > pages:
            return error(404, f"Invalid page: the source's annotations have {pages} page(s).")
        base = request.build_absolute_uri(reverse("claims:api-annotations"))
        collection = f"{base}?{urlencode({'source': slug})}"

        def page_url(n: int) -> str:
            return f"{base}?{urlencode({'source': slug, 'page': n})}"

        current = number or 1
        offset = (current - 1) * PAGE_SIZE
        items = [
            quote_annotation(quote, source, request)
            for quote in quotes[offset : offset + PAGE_SIZE]
        ]
        page = linkeddata.annotation_page(
            id=page_url(current),
            collection=collection,
            total=total,
            start_index=offset,
            items=items,
            next=page_url(current + 1) if current < pages else "",
            prev=page_url(current - 1) if current > 1 else "",
        )
        if number is not None:
            return respond({"@context": linkeddata.ANNOTATION_CONTEXT, **page})
        return respond(
            linkeddata.annotation_collection(
                id=collection,
                label=f"Published claims quoting \u201c{source.title}\u201d",
                total=total,
                first=page,
                last=page_url(pages),
            )
        )


class AnnotationApiView(View):
    """GET /api/annotations/<id>/: one published quote's annotation."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        quote = (
            Quote.objects.published()
            .select_related("claim", "source")
            .only("start", "end", "claim__statement", "source__slug", "source__text")
            .filter(pk=pk)
            .first()
        )
        if quote is None:
            return error(404, f"No published quote has the id {pk}.")
        return respond(
            {
                "@context": linkeddata.ANNOTATION_CONTEXT,
                **quote_annotation(quote, quote.source, request),
            }
        )
