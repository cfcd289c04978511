"""Thin Celery tasks of the telecom app: they take ids and call a service.

A coverage run fans out: one task per site (``compute_coverage_part``, on any worker of the
raster queue, each idempotent: a part redone after a lost worker overwrites the same file), joined
by a chord whose body merges the parts and stores the run (``finish_coverage``). Part files live
under DATA_DIR, which worker machines share.
"""

from celery import chord, shared_task


@shared_task(acks_late=True, queue="raster")
def compute_coverage(run_id: int) -> dict:
    """Split a coverage run into one task per site joined by a chord (idempotent)."""
    from . import coverage

    sites = coverage.parts(run_id)
    if sites is None:
        return {"id": run_id, "status": "succeeded", "parts": 0}
    if not sites:
        return finish_coverage(run_id)
    header = [compute_coverage_part.si(run_id, operator, tech, n) for operator, tech, n in sites]
    chord(header)(finish_coverage.si(run_id).on_error(fail_coverage.si(run_id)))
    return {"id": run_id, "status": "running", "parts": len(sites)}


@shared_task(acks_late=True, queue="raster")
def compute_coverage_part(run_id: int, operator: str, technology: str, site_no: int) -> str:
    """Compute one site of a run into its part file; the file's path."""
    from . import coverage

    return coverage.compute_part(run_id, operator, technology, site_no)


@shared_task(acks_late=True, queue="raster")
def finish_coverage(run_id: int) -> dict:
    """Merge a run's parts and store its rasters, village statuses and gaps; its status."""
    from . import coverage

    run = coverage.execute(run_id)
    return {"id": run.pk, "status": run.status, "message": run.message}


@shared_task(acks_late=True, queue="raster")
def fail_coverage(run_id: int) -> None:
    """A part failed for good: the run says so instead of staying 'running'."""
    from . import coverage

    coverage.fail_unfinished(run_id)
