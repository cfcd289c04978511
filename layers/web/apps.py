"""App config for layers.web."""

from django.apps import AppConfig


class Config(AppConfig):
    """The map, the dashboard and the portal embeds."""

    name = "layers.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"
