"""URLs of flood on the map (mounted from geoplatform/urls.py)."""

from django.urls import path, register_converter

from . import views


class _Kind:
    regex = "flood|flood-likelihood"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class _Signed:
    """An integer that may be negative, so that a negative tile index reaches the view and gets a 400."""

    regex = "-?[0-9]{1,9}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(_Kind, "floodkind")
register_converter(_Signed, "signed")

app_name = "flood"
urlpatterns = [
    path("flood/observations.json", views.observations, name="observations"),
    path(
        "tiles/raster/<floodkind:kind>/<int:pk>/<signed:z>/<signed:x>/<signed:y>.png",
        views.tile,
        name="tile",
    ),
]
