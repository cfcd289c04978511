"""App config for layers.cameras."""

from django.apps import AppConfig


class Config(AppConfig):
    """Security, traffic, school and water-level cameras."""

    name = "layers.cameras"
    label = "cameras"
    default_auto_field = "django.db.models.BigAutoField"
