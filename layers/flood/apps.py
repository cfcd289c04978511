"""App config for layers.flood."""

from django.apps import AppConfig


class Config(AppConfig):
    """Flood extents from satellite water masks."""

    name = "layers.flood"
    label = "flood"
    default_auto_field = "django.db.models.BigAutoField"
