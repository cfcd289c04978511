"""App config for the raster catalogue."""

from django.apps import AppConfig


class Config(AppConfig):
    """The raster catalogue (assets on disk with product, time, footprint, encoding and hash)."""

    name = "rasterstore"
    label = "rasterstore"
    default_auto_field = "django.db.models.BigAutoField"
