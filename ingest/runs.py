"""Services around IngestRun: open, finish, fail, summarise."""

from django.db import transaction
from django.utils import timezone

from .models import IngestRun


def start(source: str, kind: str, *, file_name: str = "", sha256: str = "", params: dict | None = None) -> IngestRun:
    """Create a running IngestRun."""
    return IngestRun.objects.create(
        source=source, kind=kind, status="running", file_name=file_name, sha256=sha256, params=params or {}
    )


def finish(
    run: IngestRun, *, read: int, new: int, duplicate: int, rejected: list[dict], message: str = ""
) -> IngestRun:
    """Mark a run succeeded with its counts and rejected rows."""
    run.status = "succeeded"
    run.rows_read, run.rows_new, run.rows_duplicate = read, new, duplicate
    run.rows_rejected = len(rejected)
    run.rejected = rejected[:1000]  # keep the record bounded; the count stays exact
    run.message = message
    run.finished_at = timezone.now()
    run.save()
    return run


def fail(run: IngestRun, reason: str) -> IngestRun:
    """Mark a run failed with the reason, in its own transaction so it survives a rollback."""
    with transaction.atomic():
        IngestRun.objects.filter(pk=run.pk).update(status="failed", message=reason, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def summarise(run_id: int) -> dict:
    """The figures of one run as a dict (used by tasks and the dashboard)."""
    run = IngestRun.objects.get(pk=run_id)
    return {
        "id": run.pk,
        "status": run.status,
        "read": run.rows_read,
        "new": run.rows_new,
        "duplicate": run.rows_duplicate,
        "rejected": run.rows_rejected,
    }
