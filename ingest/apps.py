"""App config for ingest."""

from django.apps import AppConfig


class Config(AppConfig):
    """Ingestion sources, runs and commands."""

    name = "ingest"
    label = "ingest"
    default_auto_field = "django.db.models.BigAutoField"
