"""App config for layers.delivery."""

from django.apps import AppConfig


class Config(AppConfig):
    """The shared outbox of e-mails and webhooks."""

    name = "layers.delivery"
    label = "delivery"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Gửi thông báo"
