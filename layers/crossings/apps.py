"""App config for layers.crossings."""

from django.apps import AppConfig


class Config(AppConfig):
    """Roads, river crossings and their water-level gauges."""

    name = "layers.crossings"
    label = "crossings"
    default_auto_field = "django.db.models.BigAutoField"
