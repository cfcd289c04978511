"""Cameras of the operations centre."""

from django.contrib.gis.db import models


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
