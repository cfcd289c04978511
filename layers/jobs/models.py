"""A background export or import: who asked, what, where it stands, and the file it made."""

import uuid

from django.conf import settings
from django.db import models


class Job(models.Model):
    """One export or import run by a worker; the id is the unguessable part of its URLs."""

    EXPORT, IMPORT = "export", "import"
    KINDS = ((EXPORT, "export"), (IMPORT, "import"))
    QUEUED, RUNNING, DONE, FAILED, EXPIRED = "queued", "running", "done", "failed", "expired"
    STATUSES = ((QUEUED, QUEUED), (RUNNING, RUNNING), (DONE, DONE), (FAILED, FAILED), (EXPIRED, EXPIRED))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=KINDS)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    layer = models.CharField(max_length=100)
    # Export: {"fmt", "query": {name: [values]}}; import: {"name", "srs", "mode", "dry_run", "source_layer", "file"}.
    params = models.JSONField(default=dict)
    language = models.CharField(max_length=10, default="vi")
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED, db_index=True)
    rows = models.BigIntegerField(null=True, blank=True)
    bytes = models.BigIntegerField(null=True, blank=True)
    # Relative to DATA_DIR; the columns written (an export is served only while its owner may still see them).
    file = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    columns = models.JSONField(default=list)
    report = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="jobs_status_expiry")]

    def __str__(self):
        return f"{self.kind} {self.layer} {self.status}"
