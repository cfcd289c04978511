"""App config for layers.api."""

from django.apps import AppConfig


class Config(AppConfig):
    """The generic ways out driven by the registry: REST/GeoJSON, OGC API Features, tiles, exports."""

    name = "layers.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Cached tiles follow every write: bump a layer's data version when its rows change."""
        from . import tilecache

        tilecache.connect()
