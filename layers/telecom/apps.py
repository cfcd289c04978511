"""App config for layers.telecom."""

from django.apps import AppConfig


class Config(AppConfig):
    """Telecom: cell towers, coverage gaps, Wi-Fi points, signal measurements."""

    name = "layers.telecom"
    label = "telecom"
    default_auto_field = "django.db.models.BigAutoField"
