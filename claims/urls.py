from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="claim-detail"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source-detail"),
]
