"""App config for layers.parcels."""

from django.apps import AppConfig


class Config(AppConfig):
    """Urban-management parcels of Trà My town."""

    name = "layers.parcels"
    label = "parcels"
    default_auto_field = "django.db.models.BigAutoField"
