"""App config for layers.feedback."""

from django.apps import AppConfig


class Config(AppConfig):
    """Citizen feedback: located complaints."""

    name = "layers.feedback"
    label = "feedback"
    default_auto_field = "django.db.models.BigAutoField"
