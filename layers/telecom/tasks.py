"""Thin Celery tasks of the telecom app: they take ids and call a service."""

from celery import shared_task


@shared_task(acks_late=True)
def compute_coverage(run_id: int) -> dict:
    """Compute one coverage run (idempotent); returns its status and summary."""
    from . import coverage

    run = coverage.execute(run_id)
    return {"id": run.pk, "status": run.status, "message": run.message}
