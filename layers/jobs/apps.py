"""App config for layers.jobs."""

from django.apps import AppConfig


class Config(AppConfig):
    """Large exports and imports run by a worker, followed through a status URL."""

    name = "layers.jobs"
    label = "jobs"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Tác vụ nền"
