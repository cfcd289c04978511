"""URLs of the generic API: REST/GeoJSON, OGC API Features, vector tiles, exports."""

from django.urls import path, re_path

from layers.jobs import views as job_views

from . import export_views, ogc_views, ogc_write, rest_views, tile_views

app_name = "api"

urlpatterns = [
    # First: a map view asks for dozens of tiles at once, and no other route here matches tiles/*/*/*/*.pbf
    # (resolved last, every tile was tried against each of the routes below first).
    path("tiles/<str:slug>/<str:z>/<str:x>/<str:y>.pbf", tile_views.tile, name="tile"),
    path("api/layers/", rest_views.catalogue, name="catalogue"),
    path("api/layers/<str:slug>/", rest_views.layer_detail, name="layer"),
    path("api/layers/<str:slug>/features/", rest_views.feature_list, name="features"),
    path("api/layers/<str:slug>/features/<str:fid>/", rest_views.feature_detail, name="feature"),
    path("api/layers/<str:slug>/export.<str:fmt>", export_views.export, name="export"),
    path("api/jobs/<uuid:job>/", job_views.job_status, name="job"),
    path("api/jobs/<uuid:job>/download/", job_views.job_download, name="job-download"),
    path("api/layers/<str:slug>/validate/", rest_views.validate, name="validate"),
    path("api/schema/", rest_views.schema, name="schema"),
    path("ogc", ogc_views.landing, name="ogc-landing"),
    path("ogc/", ogc_views.landing),
    path("ogc/api", ogc_views.api_document, name="ogc-api"),
    path("ogc/conformance", ogc_views.conformance, name="ogc-conformance"),
    path("ogc/collections", ogc_views.collections, name="ogc-collections"),
    path("ogc/collections/<str:slug>", ogc_views.collection, name="ogc-collection"),
    # OGC API Features Part 4 writes (reads are passed on to ogc_views); before the read-only routes.
    re_path(r"^ogc/collections/(?P<slug>[^/]+)/items/?$", ogc_write.items),
    re_path(r"^ogc/collections/(?P<slug>[^/]+)/items/(?P<fid>[^/]+)/?$", ogc_write.item),
    path("ogc/collections/<str:slug>/items", ogc_views.items, name="ogc-items"),
    path("ogc/collections/<str:slug>/items/<str:fid>", ogc_views.item, name="ogc-item"),
    path("ogc/collections/<str:slug>/queryables", ogc_views.queryables, name="ogc-queryables"),
    # The same resources with a trailing slash (clients add one; never Django's 404 page).
    path("ogc/api/", ogc_views.api_document),
    path("ogc/conformance/", ogc_views.conformance),
    path("ogc/collections/", ogc_views.collections),
    path("ogc/collections/<str:slug>/", ogc_views.collection),
    path("ogc/collections/<str:slug>/items/", ogc_views.items),
    path("ogc/collections/<str:slug>/items/<str:fid>/", ogc_views.item),
    path("ogc/collections/<str:slug>/queryables/", ogc_views.queryables),
    path("tiles/<str:slug>.json", tile_views.tilejson, name="tilejson"),
]
