"""The record of every ingestion run, with its counts and rejected rows."""

from django.db import models

from rasterstore.models import RasterAsset  # noqa: F401  (moved to the catalogue; old imports keep working)


class IngestRun(models.Model):
    """One run of one source: what was read, what landed, what was rejected and why."""

    STATUS_CHOICES = [("pending", "Chờ"), ("running", "Đang chạy"), ("succeeded", "Thành công"), ("failed", "Thất bại")]
    source = models.CharField(max_length=60)
    kind = models.CharField(max_length=30)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default="pending")
    file_name = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list, blank=True, help_text="[{row, reason}] for rejected rows")
    message = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    # The Celery task that ran it ({"id", "name", "args", "kwargs"}), to re-run a run whose worker died,
    # and when that re-run was claimed (once: by an operator, or by the broker's redelivery).
    task = models.JSONField(default=dict, blank=True)
    rerun_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.kind}:{self.source} {self.status}"
