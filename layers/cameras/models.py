"""Cameras of the operations centre, and the health of every watched device (cameras and field sensors)."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class Camera(models.Model):
    """A camera; the stream URL is private to staff."""

    KIND_CHOICES = [
        ("security", "An ninh"),
        ("traffic", "Giao thông"),
        ("school", "Trường học"),
        ("water_level", "Mực nước"),
    ]
    STATUS_CHOICES = [("online", "Trực tuyến"), ("offline", "Mất kết nối")]
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=KIND_CHOICES)
    status = models.CharField(max_length=8, choices=STATUS_CHOICES, default="online")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    stream_url = models.CharField(max_length=300, blank=True)
    geom = models.PointField(srid=4326)

    def __str__(self):
        return self.name


class Device(models.Model):
    """Something the operations centre watches: how it is checked and where its health stands now.

    A camera is checked by the platform (an HTTP(S) snapshot or status URL, or an RTSP stream); a field
    sensor (the crossing's water-level gauge) reports heartbeats itself. The check URL, credentials and
    heartbeat key are private to staff: no layer, API or export carries them.
    """

    PROBE_CHOICES = [
        ("snapshot", _("Ảnh chụp HTTP(S) (JPEG)")),
        ("status", _("Địa chỉ trạng thái HTTP(S)")),
        ("rtsp", _("Luồng RTSP")),
        ("heartbeat", _("Tín hiệu định kỳ của thiết bị")),
    ]
    STATUS_CHOICES = [
        ("unknown", _("Chưa kiểm tra")),
        ("online", _("Trực tuyến")),
        ("offline", _("Mất kết nối")),
    ]
    KIND_CHOICES = Camera.KIND_CHOICES + [("water_gauge", "Trạm đo mực nước"), ("sensor", "Cảm biến")]

    name = models.CharField(_("tên"), max_length=120)
    kind = models.CharField(_("loại"), max_length=12, choices=KIND_CHOICES)
    camera = models.OneToOneField(
        Camera, null=True, blank=True, on_delete=models.CASCADE, related_name="device", verbose_name=_("camera")
    )
    # Any other thing this device watches (a gauge of layers.crossings), without this app knowing its model.
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")

    probe = models.CharField(_("cách kiểm tra"), max_length=10, choices=PROBE_CHOICES, default="snapshot")
    url = models.CharField(_("địa chỉ kiểm tra"), max_length=500, blank=True)
    username = models.CharField(_("tên đăng nhập"), max_length=120, blank=True)
    password = models.CharField(_("mật khẩu"), max_length=200, blank=True)
    # sha256 of the heartbeat key; the key itself is shown once when issued.
    key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    heartbeat_every_s = models.PositiveIntegerField(_("chu kỳ tín hiệu (giây)"), default=300)
    enabled = models.BooleanField(_("đang theo dõi"), default=True)

    status = models.CharField(_("trạng thái"), max_length=8, choices=STATUS_CHOICES, default="unknown")
    status_since = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)  # failed checks in a row
    last_check_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_reason = models.CharField(max_length=32, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("thiết bị theo dõi")
        verbose_name_plural = _("thiết bị theo dõi")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        """A checked device needs a URL its probe can read (http(s) for snapshots and status, rtsp for streams)."""
        from django.core.exceptions import ValidationError

        if self.probe == "heartbeat":
            return
        schemes = ("rtsp://",) if self.probe == "rtsp" else ("http://", "https://")
        if not self.url.lower().startswith(schemes):
            raise ValidationError(
                {"url": _("Địa chỉ phải bắt đầu bằng %(schemes)s.") % {"schemes": ", ".join(schemes)}}
            )


class StatusChange(models.Model):
    """One change of a device's status: when, from, to, and why (uptime is a query over these)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(db_index=True)
    from_status = models.CharField(max_length=8, choices=Device.STATUS_CHOICES)
    to_status = models.CharField(max_length=8, choices=Device.STATUS_CHOICES)
    reason = models.CharField(max_length=32, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["device", "at", "pk"]
        indexes = [models.Index(fields=["device", "at"])]


class Snapshot(models.Model):
    """The latest picture of a camera, resized, with the time it was taken; staff only."""

    device = models.OneToOneField(Device, on_delete=models.CASCADE, related_name="snapshot")
    taken_at = models.DateTimeField()
    jpeg = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()


class Alerted(models.Model):
    """An offline period already told to people (so a "back online" is told only after an "offline")."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="alerts")
    offline_since = models.DateTimeField()
    told_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "offline_since"], name="cameras_alerted_once")]
