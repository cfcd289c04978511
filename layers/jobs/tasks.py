"""Thin Celery tasks of background jobs: they take a job id and call the service (idempotent)."""

from celery import shared_task

from . import services

# The ingest kind (geoplatform.taskkinds): its queue, and its limits stated here too so they hold however sent.
LIMITS = {"soft_time_limit": services.SOFT_LIMIT_S, "time_limit": services.HARD_LIMIT_S}


@shared_task(acks_late=True, **LIMITS)
def run_export(job_id: str) -> str | None:
    """Write a background export's file; a redelivery of a finished job does nothing."""
    return services.run_export(job_id)


@shared_task(acks_late=True, **LIMITS)
def run_import(job_id: str) -> str | None:
    """Run a background import; a redelivery of a finished job does nothing."""
    return services.run_import(job_id)


@shared_task(acks_late=True)
def sweep() -> dict:
    """Beat: expire old export files, resend jobs the broker lost."""
    return services.sweep()
