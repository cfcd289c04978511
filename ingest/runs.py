"""Services around IngestRun: open, finish, fail, summarise; reap runs whose worker is gone, re-run once.

A running run is held by a session-level advisory lock of the process doing it: when that process
dies (SIGKILL, out of memory, a lost machine) PostgreSQL drops its connection and the lock with it,
so the reaper can tell a dead run from a long one without heartbeats. A reaped run is marked failed
with the reason; it is re-run exactly once, by whichever comes first of an operator's "re-run" and
the broker's redelivery of the same task (a conditional update of ``rerun_at`` decides).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from geoplatform import dispatch, taskkinds
from geoplatform.errors import PlatformError

from .models import IngestRun

log = logging.getLogger(__name__)
LOCK_NAMESPACE = 0x16E5  # first key of pg_advisory_lock(int, int); the run id is the second
# A run younger than this is never reaped (its process may still be taking its lock).
GRACE = timedelta(minutes=1)
WORKER_GONE = "Tiến trình xử lý đã dừng đột ngột giữa chừng (máy xử lý bị tắt hoặc bị buộc dừng); có thể chạy lại."
TOO_LONG = "Lần nạp chạy quá thời gian tối đa cho phép nên được coi là hỏng; có thể chạy lại."
_held: set[int] = set()


class RunSuperseded(PlatformError):
    """A redelivered task whose run was already re-run (or finished): it does nothing."""

    status = 409
    code = "run_superseded"
    run_id = None


def _current_task() -> dict:
    from celery._state import get_current_task

    task = get_current_task()
    if task is None or not task.request.id or task.request.is_eager:
        return {}
    request = task.request
    return {"id": request.id, "name": task.name, "args": list(request.args or ()), "kwargs": request.kwargs or {}}


def _claim_rerun(run_id: int) -> bool:
    """Take the one re-run of a failed run; False if someone already did."""
    return bool(
        IngestRun.objects.filter(pk=run_id, status="failed", rerun_at__isnull=True).update(rerun_at=timezone.now())
    )


def _guard_redelivery(task: dict, source: str, kind: str) -> None:
    """The broker handed out a task again: carry on only as the one re-run of its earlier run."""
    earlier = IngestRun.objects.filter(task__id=task["id"], source=source, kind=kind).order_by("-pk").first()
    if earlier is None:
        return
    if earlier.status == "running":
        IngestRun.objects.filter(pk=earlier.pk, status="running").update(
            status="failed", message=WORKER_GONE, finished_at=timezone.now()
        )
    if earlier.status == "succeeded" or not _claim_rerun(earlier.pk):
        raise RunSuperseded(f"run {earlier.pk} was already re-run or finished; this redelivery does nothing")


def start(source: str, kind: str, *, file_name: str = "", sha256: str = "", params: dict | None = None) -> IngestRun:
    """Create a running IngestRun, held by this process until it finishes or fails."""
    task = _current_task()
    if task:
        _guard_redelivery(task, source, kind)
    run = IngestRun.objects.create(
        source=source, kind=kind, status="running", file_name=file_name, sha256=sha256, params=params or {}, task=task
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, run.pk])
    _held.add(run.pk)
    return run


def _release(run_id: int) -> None:
    if run_id in _held:
        _held.discard(run_id)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, run_id])


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
    _release(run.pk)
    return run


def fail(run: IngestRun, reason: str) -> IngestRun:
    """Mark a run failed with the reason, in its own transaction so it survives a rollback."""
    with transaction.atomic():
        IngestRun.objects.filter(pk=run.pk).update(status="failed", message=reason, finished_at=timezone.now())
    _release(run.pk)
    run.refresh_from_db()
    return run


def reap(now=None) -> list[int]:
    """Mark failed, with the reason, every running run whose process is gone or that ran past every limit."""
    now = now or timezone.now()
    longest = timedelta(seconds=taskkinds.LONGEST_S) + GRACE
    reaped = []
    for run in IngestRun.objects.filter(status="running", started_at__lt=now - GRACE).order_by("pk"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, run.pk])
            holder_gone = cursor.fetchone()[0] and run.pk not in _held
            if holder_gone:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, run.pk])
        reason = WORKER_GONE if holder_gone else (TOO_LONG if run.started_at < now - longest else None)
        if reason and IngestRun.objects.filter(pk=run.pk, status="running").update(
            status="failed", message=reason, finished_at=now
        ):
            log.warning("ingest run %s reaped: %s", run.pk, reason)
            reaped.append(run.pk)
    return reaped


def stuck(limit: int = 50):
    """Runs reaped because their worker died, not yet re-run (the operators' panel)."""
    return IngestRun.objects.filter(
        status="failed", message__in=(WORKER_GONE, TOO_LONG), rerun_at__isnull=True
    ).order_by("-started_at")[:limit]


def rerun(run_id: int) -> bool:
    """Queue a failed run's task again, exactly once; False if it was re-run already or cannot be."""
    run = IngestRun.objects.filter(pk=run_id).first()
    if run is None or not run.task.get("name") or not _claim_rerun(run_id):
        return False
    if dispatch.queue(run.task["name"], *run.task.get("args", []), **run.task.get("kwargs", {})):
        return True
    IngestRun.objects.filter(pk=run_id).update(rerun_at=None)  # broker down: the operator may try again
    return False


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
