"""The record of every ingestion run, with its counts and rejected rows."""

from django.db import models


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

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.kind}:{self.source} {self.status}"


class RasterAsset(models.Model):
    """A raster file kept on disk (DEM, flood mask, fire mask) with what is known of it."""

    KIND_CHOICES = [("dem", "DEM"), ("flood", "Flood mask"), ("fire-mask", "Fire mask"), ("burned-area", "Burned area")]
    kind = models.CharField(max_length=20, choices=KIND_CHOICES, db_index=True)
    name = models.CharField(max_length=200)
    path = models.CharField(max_length=500)
    crs = models.TextField(help_text="WKT or EPSG code of the file's CRS")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bounds = models.JSONField(help_text="[west, south, east, north] in EPSG:4326")
    resolution = models.JSONField(help_text="[x, y] pixel size in the file's CRS units")
    nodata = models.FloatField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    synthetic = models.BooleanField(default=False)
    run = models.ForeignKey(IngestRun, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind}:{self.name}"
