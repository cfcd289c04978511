"""URLs of the telecom app: the coverage planner page and its JSON endpoints."""

from django.urls import path

from . import views

app_name = "telecom"

urlpatterns = [
    path("coverage/", views.page, name="coverage"),
    path("coverage/runs/", views.start_run, name="run-start"),
    path("coverage/runs/<int:run_id>/", views.run_detail, name="run-detail"),
    path("coverage/runs/<int:run_id>/villages.geojson", views.run_villages, name="run-villages"),
    path("coverage/runs/<int:run_id>/calibrate/", views.calibrate, name="run-calibrate"),
    path("coverage/compare/", views.compare, name="compare"),
    path("coverage/plans/", views.plan, name="plan"),
    path("coverage/plans/<int:plan_id>/what-if/", views.plan_what_if, name="plan-what-if"),
    path("coverage/gaps.geojson", views.gaps, name="gaps"),
    path("coverage/towers.geojson", views.towers, name="towers"),
    path("coverage/wifi/", views.wifi, name="wifi"),
]
