from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "factreg editors"
admin.site.site_title = "factreg"
admin.site.index_title = "Registry"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("claims.urls")),
]
