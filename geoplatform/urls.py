"""Top-level URLs: each app owns its own urls module."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from layers.parcels import admin as parcels_admin

admin.site.site_header = _("Quản trị bản đồ điều hành Bắc Trà My")
admin.site.site_title = _("Quản trị Bắc Trà My")
admin.site.index_title = _("Dữ liệu và tài khoản")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("parcels/admin/", parcels_admin.site.urls),
    # Browsers ask for /favicon.ico on their own; the pages name the SVG icon.
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("geoplatform.health")),
    path("", include("layers.api.urls")),
    path("", include("layers.web.urls")),
    path("", include("layers.fire.urls")),
    path("", include("layers.feedback.urls")),
    path("", include("layers.telecom.urls")),
    path("", include("layers.cameras.urls")),
    path("", include("layers.parcels.urls")),
    path("", include("layers.crossings.urls")),
    path("", include("layers.flood.report_urls")),
    path("", include("layers.flood.urls")),
    path("", include("ingest.urls")),
    path("", include("layers.delivery.urls")),
    path("", include("geoplatform.media")),
]

handler400 = "geoplatform.error_pages.bad_request"
handler403 = "geoplatform.error_pages.forbidden"
handler404 = "geoplatform.error_pages.not_found"
handler500 = "geoplatform.error_pages.server_error"
