"""Citizen feedback: located complaints (phản ánh kiến nghị); reporter contact is private.

Besides the complaint itself: the categories (Open311 services) with their office and deadline
rule, notes and photos, the district's own holidays, API keys, the transactional outbox and the
consumers' record of events already handled, idempotency receipts and rate-limit counters.
"""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

OPEN_STATUSES = ("received", "acknowledged", "in_progress")
CLOSED_STATUSES = ("resolved", "rejected", "closed")


class Office(models.Model):
    """A unit that handles a category: a district office, or the commune's people's committee."""

    LEVEL_CHOICES = [("district", _("Cấp huyện")), ("commune", _("Cấp xã"))]
    code = models.SlugField(max_length=40, unique=True)
    name_vi = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    level = models.CharField(max_length=10, choices=LEVEL_CHOICES, default="district")
    email = models.EmailField(blank=True, help_text="Where new reports of this office are announced.")

    def __str__(self):
        return self.name_vi


class Category(models.Model):
    """A kind of report and an Open311 service: its office and its deadline rule."""

    DEADLINE_CHOICES = [("hours", _("Giờ (liên tục)")), ("working_days", _("Ngày làm việc"))]
    code = models.SlugField(max_length=40, unique=True, help_text="Also the Open311 service_code.")
    name_vi = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    description_vi = models.CharField(max_length=300, blank=True)
    description_en = models.CharField(max_length=300, blank=True)
    group = models.CharField(max_length=60, blank=True)
    keywords = models.CharField(max_length=200, blank=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="categories")
    dangerous = models.BooleanField(default=False, help_text="A hazard to life: clock in hours, day and night.")
    deadline_kind = models.CharField(max_length=12, choices=DEADLINE_CHOICES, default="working_days")
    deadline_value = models.PositiveIntegerField(default=3)
    attributes = models.JSONField(default=list, blank=True, help_text="Open311 attribute definitions.")
    active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.code

    def name(self, language: str = "vi") -> str:
        """The name in the given language (Vietnamese by default)."""
        return self.name_en if language.startswith("en") else self.name_vi


class CommuneDesk(models.Model):
    """The feedback desk of one commune: where its reports are announced."""

    commune = models.OneToOneField("places.Commune", on_delete=models.CASCADE, related_name="feedback_desk")
    email = models.EmailField()

    def __str__(self):
        return f"{self.commune} <{self.email}>"


class DistrictHoliday(models.Model):
    """A district-specific day off (added to the national calendar for deadlines)."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class ApiKey(models.Model):
    """An Open311 client key, issued in the admin; only its SHA-256 is stored."""

    name = models.CharField(max_length=120)
    prefix = models.CharField(max_length=12, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(default=True)
    per_minute = models.PositiveIntegerField(default=30, help_text="Requests a minute this key may post.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class Complaint(models.Model):
    """A citizen report at a place."""

    STATUS_CHOICES = [
        ("received", _("Đã tiếp nhận")),
        ("acknowledged", _("Đã xác nhận")),
        ("in_progress", _("Đang xử lý")),
        ("resolved", _("Đã giải quyết")),
        ("rejected", _("Từ chối")),
        ("closed", _("Đã đóng")),
    ]
    REJECTION_CHOICES = [("not_responsible", _("Không thuộc thẩm quyền")), ("duplicate", _("Trùng lặp"))]
    SOURCE_CHOICES = [("web", "Web"), ("open311", "Open311"), ("import", "Import")]
    tracking_code = models.CharField(max_length=20, unique=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    category = models.CharField(max_length=40, db_index=True)
    description = models.TextField(max_length=4000)
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default="received", db_index=True)
    created_at = models.DateTimeField(db_index=True, default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)
    expected_at = models.DateTimeField(null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="Resolved or rejected: the answer.")
    escalated_at = models.DateTimeField(null=True, blank=True)
    commune = models.ForeignKey("places.Commune", null=True, blank=True, on_delete=models.SET_NULL)
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL)
    agency_responsible = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    rejection_reason = models.CharField(max_length=20, choices=REJECTION_CHOICES, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    source = models.CharField(max_length=10, choices=SOURCE_CHOICES, default="web")
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL)
    reporter_name = models.CharField(max_length=120, blank=True)
    reporter_phone = models.CharField(max_length=40, blank=True)
    reporter_email = models.CharField(max_length=200, blank=True)
    geom = models.PointField(srid=4326)

    class Meta:
        indexes = [models.Index(fields=["status", "expected_at"])]

    def __str__(self):
        return self.tracking_code

    @property
    def is_open(self) -> bool:
        """Not yet resolved, rejected or closed."""
        return self.status in OPEN_STATUSES

    def is_overdue(self, now=None) -> bool:
        """Open and past its expected time."""
        now = now or timezone.now()
        return self.is_open and self.expected_at is not None and self.expected_at < now


class Note(models.Model):
    """An answer or remark on a complaint: public notes are shown to the reporter, internal ones never."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    public = models.BooleanField(default=False)
    text = models.TextField(max_length=4000)
    status_from = models.CharField(max_length=12, blank=True)
    status_to = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]


def photo_path(instance, filename: str) -> str:
    """An unguessable file name: the photo's random token, never the report's code or a counter."""
    return f"feedback/photos/{instance.token}.jpg"


class Photo(models.Model):
    """A photo of a complaint, re-encoded as JPEG without its metadata; linked by its random token."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="photos")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    image = models.FileField(upload_to=photo_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it announces; a relay delivers it later."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40)
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.CASCADE)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.kind} {self.event_id}"


class Notification(models.Model):
    """One message sent for one event to one recipient; the unique pair drops redelivered events."""

    event_id = models.UUIDField()
    recipient = models.CharField(max_length=200)
    subject = models.CharField(max_length=300)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_id", "recipient"], name="notification_once")]


class IdempotencyRecord(models.Model):
    """The receipt given for an Idempotency-Key, so a retried POST gets the same answer."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_once")]


class RateCounter(models.Model):
    """Posts counted per bucket (client address or API key) and minute, shared by every worker."""

    bucket = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bucket", "window_start"], name="rate_counter_once")]
