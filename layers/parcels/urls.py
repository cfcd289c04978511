"""URLs of the parcel desk."""

from django.urls import path

from . import views

app_name = "parcels"

urlpatterns = [
    path("parcels/desk/", views.desk, name="desk"),
    path("parcels/api/land-uses/", views.land_uses, name="land-uses"),
    path("parcels/api/merge/", views.merge, name="merge"),
    path("parcels/api/cadastre/preview/", views.cadastre_preview, name="cadastre-preview"),
    path("parcels/api/cadastre/apply/", views.cadastre_apply, name="cadastre-apply"),
    path("parcels/api/cadastre/export.gpkg", views.cadastre_export, name="cadastre-export"),
    path("parcels/api/<int:pk>/history/", views.parcel_history, name="history"),
    path("parcels/api/<int:pk>/revert/", views.revert, name="revert"),
    path("parcels/api/<int:pk>/split/", views.split, name="split"),
]
