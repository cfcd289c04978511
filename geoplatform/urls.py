"""Top-level URLs: each app owns its own urls module."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("geoplatform.health")),
    path("", include("layers.api.urls")),
    path("", include("layers.web.urls")),
    path("", include("layers.fire.urls")),
    path("", include("layers.feedback.urls")),
    path("", include("layers.telecom.urls")),
    path("", include("ingest.urls")),
]
