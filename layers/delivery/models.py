"""One outbox row per (change, recipient): what to send, where, and how far its delivery got."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One message to one recipient, written in the transaction of the change it tells of."""

    CHANNELS = [("email", "E-mail"), ("webhook", "Webhook")]
    STATES = [
        ("pending", _("Chờ gửi")),
        ("sending", _("Đang gửi")),
        ("sent", _("Đã gửi")),
        ("dead", _("Gửi không được, chờ gửi lại")),
    ]
    key = models.CharField(max_length=300, db_index=True)
    topic = models.CharField(max_length=40, db_index=True)
    channel = models.CharField(max_length=8, choices=CHANNELS)
    address = models.CharField(max_length=500)
    secret = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=8, choices=STATES, default="pending")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("thông báo gửi đi")
        verbose_name_plural = _("thông báo gửi đi")
        constraints = [
            models.UniqueConstraint(fields=["key", "channel", "address"], name="delivery_message_once"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.topic}: {self.channel} → {self.address} ({self.state})"
