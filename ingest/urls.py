"""URLs of this app."""

from django.urls import path

from . import views

urlpatterns = [
    path("api/layers/<slug:slug>/import/", views.LayerImportView.as_view(), name="layer-import"),
]
