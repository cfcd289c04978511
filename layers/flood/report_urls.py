"""URLs of the flood situation report (mounted from geoplatform/urls.py)."""

from django.urls import path

from . import report_views

app_name = "flood_report"
urlpatterns = [
    path("flood/reports/", report_views.index, name="index"),
    path("flood/events/<int:pk>/report/", report_views.report, name="report"),
    path("flood/events/<int:pk>/report.csv", report_views.report_csv, name="report_csv"),
]
