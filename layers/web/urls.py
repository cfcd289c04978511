"""URLs of the map, dashboard, embeds and offline base map."""

from django.urls import path, re_path
from django.views.generic import RedirectView

from . import views

app_name = "web"
urlpatterns = [
    path("", RedirectView.as_view(url="/map/", permanent=False), name="home"),
    path("map/", views.map_page, name="map"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/figures.json", views.dashboard_figures, name="dashboard-figures"),
    path("embed/", views.embed_page, name="embed"),
    path("embed/builder/", views.embed_builder, name="embed-builder"),
    # Signed numbers are matched so that a negative x or y gets a 400, not a 404.
    re_path(r"^basemap/(?P<z>-?\d{1,3})/(?P<x>-?\d{1,9})/(?P<y>-?\d{1,9})\.png$", views.basemap_tile, name="basemap"),
]
