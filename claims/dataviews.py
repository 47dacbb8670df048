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

# What each column of the citations CSV holds, in its order: the page lists them all.
CITATION_COLUMNS = {column.header: column.description for column in exports.COLUMNS}


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
            citation_columns=list(CITATION_COLUMNS.items()),
            tables=list(snapshot.TABLES.values()),
            example_claim=claim,
            example_response=example,
            example_source=source,
            example_topic=Topic.objects.public().order_by("name").only("slug", "name").first(),
            annotation_page_size=ANNOTATION_PAGE_SIZE,
            **kwargs,
        )
