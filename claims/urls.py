import re

from django.urls import path, register_converter

from claims import annotations, api, dataviews, feeds, references, views


class ReferenceFormat:
    """The reference formats the source export writes (references.REFERENCE_FORMATS)."""

    regex = "|".join(re.escape(key) for key in references.REFERENCE_FORMATS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceFormat, "refformat")

app_name = "claims"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/export.csv", views.CitationExportView.as_view(), name="citation-export"),
    path(
        "sources/export.<refformat:format>",
        views.SourceReferenceExportView.as_view(),
        name="source-export",
    ),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="claim-detail"),
    path(
        "claims/<int:pk>/v/<int:number>/",
        views.ClaimVersionView.as_view(),
        name="claim-version",
    ),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source-detail"),
    path(
        "sources/<slug:slug>/original",
        views.SourceOriginalView.as_view(),
        name="source-original",
    ),
    path("contradictions/", views.ContradictionListView.as_view(), name="contradiction-list"),
    path("links/", views.LinkGuideView.as_view(), name="link-guide"),
    path("topics/<slug:slug>/", views.TopicClaimListView.as_view(), name="topic-detail"),
    path("entities/<slug:slug>/", views.EntityClaimListView.as_view(), name="entity-detail"),
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("feeds/claims.atom", feeds.FeedView.as_view(), name="claims-feed"),
    path(
        "topics/<slug:slug>/feed.atom",
        feeds.FeedView.as_view(feed_class=feeds.TopicClaimFeed),
        name="topic-feed",
    ),
    path("data/", dataviews.DataPageView.as_view(), name="data"),
    path(
        "data/snapshot/datapackage.json",
        dataviews.DataPackageView.as_view(),
        name="snapshot-package",
    ),
    path(
        "data/snapshot/<slug:table>.csv",
        dataviews.SnapshotTableView.as_view(),
        name="snapshot-table",
    ),
    path("data/snapshot.zip", dataviews.SnapshotZipView.as_view(), name="snapshot-zip"),
    path("api/claims/", api.ClaimListApiView.as_view(), name="api-claims"),
    path("api/claims/<int:pk>/", api.ClaimApiView.as_view(), name="api-claim"),
    path("api/sources/<slug:slug>/", api.SourceApiView.as_view(), name="api-source"),
    path("api/annotations/", annotations.AnnotationListApiView.as_view(), name="api-annotations"),
    path(
        "api/annotations/<int:pk>/",
        annotations.AnnotationApiView.as_view(),
        name="api-annotation",
    ),
    path("api/openapi.json", dataviews.openapi_view, name="api-openapi"),
    path("api/<path:rest>", api.not_found, name="api-not-found"),
]
