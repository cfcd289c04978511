"""URLs of the feedback app: public pages, the officers' queue and stats, Open311 GeoReport v2."""

from django.urls import path, re_path

from . import open311_views, photo_views, queue_views, views

app_name = "feedback"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("feedback/", views.report, name="report"),
    path("feedback/track/", views.track_lookup, name="track_lookup"),
    path("feedback/track/<str:code>/", views.track, name="track"),
    path("feedback/nearby.json", views.nearby, name="nearby"),
    path("feedback/photos/<uuid:token>.jpg", photo_views.photo, name="photo"),
    path("feedback/queue/", queue_views.queue, name="queue"),
    path("feedback/queue/map.geojson", queue_views.queue_geojson, name="queue_geojson"),
    path("feedback/queue/acknowledge/", queue_views.bulk_acknowledge, name="bulk_acknowledge"),
    path("feedback/queue/export.csv", queue_views.export_csv, name="export_csv"),
    path("feedback/queue/<str:code>/", queue_views.detail, name="detail"),
    path("feedback/stats/", queue_views.stats_page, name="stats"),
    path("feedback/stats.json", queue_views.stats_json, name="stats_json"),
    re_path(r"^open311/discovery" + FMT, open311_views.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/discovery" + FMT, open311_views.discovery),
    re_path(r"^open311/v2/services" + FMT, open311_views.services, name="open311_services"),
    re_path(
        r"^open311/v2/services/(?P<code>[A-Za-z0-9_-]{1,40})" + FMT,
        open311_views.service_definition,
        name="open311_service",
    ),
    re_path(r"^open311/v2/requests" + FMT, open311_views.requests_list, name="open311_requests"),
    re_path(
        r"^open311/v2/requests/(?P<request_id>[A-Za-z0-9_-]{1,40})" + FMT,
        open311_views.request_detail,
        name="open311_request",
    ),
    re_path(
        r"^open311/v2/tokens/(?P<token>[A-Za-z0-9-]{1,64})" + FMT, open311_views.token_detail, name="open311_token"
    ),
    # Anything else under /open311/ (an unknown path, id characters or format) gets the spec's 404 list.
    re_path(r"^open311/", open311_views.not_found),
]
