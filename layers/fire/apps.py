"""App config for layers.fire."""

from django.apps import AppConfig


class Config(AppConfig):
    """Forest-fire hotspots and fire events."""

    name = "layers.fire"
    label = "fire"
    default_auto_field = "django.db.models.BigAutoField"
