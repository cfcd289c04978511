"""App config for layers.places."""

from django.apps import AppConfig


class Config(AppConfig):
    """Administrative places: district, communes, villages, rivers, forest."""

    name = "layers.places"
    label = "places"
    default_auto_field = "django.db.models.BigAutoField"
