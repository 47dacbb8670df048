"""Open data pages: the Data & API guide, the data-package snapshot and the OpenAPI file."""

from __future__ import annotations

import json

from django.db import router
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from claims import api, exports, failures, openapi, snapshot
from claims.annotations import PAGE_SIZE as ANNOTATION_PAGE_SIZE
from claims.models import Claim, RegistryState, Source, Topic
from claims.views import RegistryCachedPage

# What each column of the citations CSV holds. The page lists exports.HEADER, in its
# order, with these notes; a test checks that every column has one.
CITATION_COLUMNS = {
    "claim_id": "The claim's number; its page is /claims/<claim_id>/.",
    "claim": "The claim's statement.",
    "claim_status": "The claim's status: published, as the site exports published claims only.",
    "event_date": "The date the claim is about, at its precision (2022, 2022-02 or 2022-02-22).",
    "event_date_precision": "day, month, year or unknown.",
    "value": "The quantity the claim states, as a plain number.",
    "unit": "The unit of the value, e.g. percent, troops, USD.",
    "topics": "The claim's topics, joined with '; '.",
    "entities": "The entities it names, joined with '; '.",
    "quote": "The verbatim quote (one row per quote).",
    "quote_start": "Where the quote starts in the source's text (a character offset).",
    "quote_end": "Where it ends (exclusive).",
    "paragraph": "The paragraph of the source the quote is in.",
    "source_title": "The source's title.",
    "author": "The source's author; blank when unknown.",
    "outlet": "Where the source was published; blank when unknown.",
    "published": "The source's publication date, at its precision.",
    "published_precision": "day, month, year or unknown.",
    "url": "The original's address; blank when unknown.",
    "source_page": "The source's page here (add #q<id> for the quote).",
    "claim_page": "The claim's permanent page.",
    "contradicted_by": "Published claims that contradict this one (ids, joined with '; ').",
    "supported_by": "Published claims that support this one.",
    "exported_at": "When the file was made (ISO 8601, UTC).",
    "claimants": "Who asserts the claim, as Name (role), joined with '; '.",
    "as_of_start": "The start of the period the claim holds for, at its precision.",
    "as_of_end": "The end of that period.",
    "measure": "How a figure was measured or determined.",
    "place": "Where the claim holds (an entity's name).",
    "event_date_start": "The first day the event date covers (any date parser reads it).",
    "event_date_end": "The last day the event date covers.",
    "supports": "Published claims this one supports.",
    "qualifies": "Published claims this one qualifies.",
    "qualified_by": "Published claims that qualify this one.",
    "updates": "Earlier claims this one updates.",
    "updated_by": "Later claims that update this one.",
    "duplicates": "Claims this one duplicates.",
    "duplicated_by": "Claims that duplicate this one.",
    "claim_version": "The claim's newest public version number (blank before its first).",
    "version_url": "That version's permanent URL (/claims/<id>/v/<n>/); later edits keep it.",
}


def base_url(request: HttpRequest) -> str:
    """The site's address, without a trailing slash."""
    return request.build_absolute_uri("/").rstrip("/")


def package(request: HttpRequest) -> dict:
    """The snapshot's datapackage.json, as of now."""
    return snapshot.descriptor(
        created=timezone.now(),
        version=RegistryState.current(),
        homepage=request.build_absolute_uri("/data/"),
    )


class DataPackageView(RegistryCachedPage, View):
    """GET /data/snapshot/datapackage.json: the snapshot's descriptor."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return JsonResponse(
            package(request), json_dumps_params={"ensure_ascii": False, "indent": 2}
        )


class SnapshotTableView(View):
    """GET /data/snapshot/<table>.csv: one table of the snapshot, streamed."""

    def get(self, request: HttpRequest, table: str) -> StreamingHttpResponse:
        found = snapshot.TABLES.get(table)
        if found is None:
            raise Http404(f"The snapshot has no table {table!r}.")
        using = router.db_for_read(Claim)
        # The database answers before the response starts: one that cannot be reached
        # is a 503, not a 200 with a header row (see exports.citations_response).
        failures.ping(using)
        response = StreamingHttpResponse(
            snapshot.streamed_table(found, base_url=base_url(request), using=using),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'inline; filename="{found.path}"'
        return response


class SnapshotZipView(View):
    """GET /data/snapshot.zip: the descriptor and every table in one zip."""

    def get(self, request: HttpRequest) -> StreamingHttpResponse:
        using = router.db_for_read(Claim)
        failures.ping(using)
        response = StreamingHttpResponse(
            snapshot.streamed_zip(
                package=lambda: package(request), base_url=base_url(request), using=using
            ),
            content_type="application/zip",
        )
        name = f"factreg-snapshot-{timezone.now().date().isoformat()}.zip"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def openapi_view(request: HttpRequest) -> JsonResponse:
    """GET /api/openapi.json: the OpenAPI 3.1 description of the API, served from this site."""
    return JsonResponse(openapi.spec(base_url(request)), json_dumps_params={"indent": 2})


class DataPageView(RegistryCachedPage, TemplateView):
    """GET /data/: every export and the API explained, with examples from the registry."""

    template_name = "claims/data.html"

    def get_context_data(self, **kwargs) -> dict:
        request = self.request
        claim = Claim.objects.published().with_evidence().order_by("pk").first()
        example = None
        if claim is not None:
            links = api.links_by_claim([claim], request)[claim.pk]
            example = json.dumps(
                api.claim_json(claim, links, request), ensure_ascii=False, indent=2
            )
        source = Source.objects.public().order_by("pk").only("slug").first()
        return super().get_context_data(
            site=base_url(request),
            citation_columns=[(name, CITATION_COLUMNS.get(name, "")) for name in exports.HEADER],
            tables=list(snapshot.TABLES.values()),
            example_claim=claim,
            example_response=example,
            example_source=source,
            example_topic=Topic.objects.public().order_by("name").only("slug", "name").first(),
            annotation_page_size=ANNOTATION_PAGE_SIZE,
            **kwargs,
        )
