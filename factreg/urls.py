from django.contrib import admin
from django.urls import include, path

from claims.failures import healthz

admin.site.site_header = "factreg editors"
admin.site.site_title = "factreg"
admin.site.index_title = "Registry"

handler500 = "claims.failures.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("claims.urls")),
]
