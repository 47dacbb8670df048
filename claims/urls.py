from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="claim-detail"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source-detail"),
    path("contradictions/", views.ContradictionListView.as_view(), name="contradiction-list"),
    path("topics/<slug:slug>/", views.TopicClaimListView.as_view(), name="topic-detail"),
    path("entities/<slug:slug>/", views.EntityClaimListView.as_view(), name="entity-detail"),
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
]
