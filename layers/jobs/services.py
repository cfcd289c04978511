"""Background export and import jobs: create and queue, claim exactly once, run, report, serve, expire.

A task takes a job id. The job is claimed by a conditional update (queued, or running for longer than
the hard time limit because its worker died) before any work, so a second delivery of a finished or
running job does nothing. An import writes its rows and marks its job done in one transaction, with
the job row locked: a redelivery racing the first run waits, then finds the job done.
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from geoplatform import storage, taskkinds
from geoplatform.errors import NotFound, PlatformError, disk_full
from ingest import imports
from layers.api import exports

from . import exporting
from .models import Job

log = logging.getLogger(__name__)

KIND = "ingest"  # the kind of work (geoplatform.taskkinds): queue, time and statement limits
SOFT_LIMIT_S, HARD_LIMIT_S = taskkinds.LIMITS[KIND]
TASKS = {Job.EXPORT: "layers.jobs.tasks.run_export", Job.IMPORT: "layers.jobs.tasks.run_import"}
FILE_TTL_S = 24 * 3600
IMPORT_BACKGROUND_ABOVE = 20_000
ACTIVE_PER_USER = 3  # queued or running jobs one user may have at once
REQUEUE_AFTER = timedelta(minutes=5)  # a queued job the broker never got is sent again by the sweep


def file_ttl() -> timedelta:
    """How long a finished export stays downloadable (GEOPLATFORM_JOB_FILE_TTL_S)."""
    return timedelta(seconds=int(getattr(settings, "GEOPLATFORM_JOB_FILE_TTL_S", FILE_TTL_S)))


def import_background_above() -> int:
    """Imports with more features than this run as a job (GEOPLATFORM_IMPORT_BACKGROUND_ABOVE)."""
    return int(getattr(settings, "GEOPLATFORM_IMPORT_BACKGROUND_ABOVE", IMPORT_BACKGROUND_ABOVE))


def imports_folder() -> Path:
    """Where uploads waiting for their import job are kept, one folder per job."""
    return Path(settings.DATA_DIR) / "imports"


# --- creating and queuing ---------------------------------------------------------------------------


def _send(name: str, job_id: str) -> bool:
    """Send the task to the ingest queue, failing fast; False when the broker is unreachable (the sweep resends)."""
    from geoplatform import dispatch
    from geoplatform.celery import app

    if app.conf.task_always_eager:
        return dispatch.queue(name, job_id)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            app.send_task(name, args=[job_id], queue=KIND, connection=conn, retry=False)
    except Exception as exc:  # kombu/redis/socket errors: the job row stays queued and the sweep sends it again
        log.warning("job %s not queued (broker unavailable): %s", job_id, exc)
        return False
    return True


def enqueue(job: Job) -> None:
    """Queue the job's task once the job row is committed."""
    name, job_id = TASKS[job.kind], str(job.pk)
    transaction.on_commit(lambda: _send(name, job_id))


def _refuse_beyond_active_cap(user) -> None:
    cap = int(getattr(settings, "GEOPLATFORM_JOBS_ACTIVE_PER_USER", ACTIVE_PER_USER))
    if Job.objects.filter(user=user, status__in=(Job.QUEUED, Job.RUNNING)).count() >= cap:
        message = _("Bạn đã có %(count)s tác vụ đang chờ hoặc đang chạy; hãy đợi chúng xong rồi thử lại")
        raise PlatformError(message % {"count": cap}, code="too_many_jobs", status=429)


def start_export(layer, user, fmt: str, query: dict[str, list[str]]) -> Job:
    """A queued export job of ``layer`` for ``user`` (request parameters as {name: [values]})."""
    _refuse_beyond_active_cap(user)
    job = Job.objects.create(
        kind=Job.EXPORT,
        user=user,
        layer=layer.slug,
        params={"fmt": fmt, "query": query},
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    enqueue(job)
    return job


def start_import(layer, user, upload_path: Path, options: dict) -> Job:
    """A queued import job; the upload at ``upload_path`` is copied into the job's own folder first."""
    _refuse_beyond_active_cap(user)
    job = Job(kind=Job.IMPORT, user=user, layer=layer.slug, language=translation.get_language() or "vi")
    target = imports_folder() / str(job.pk)
    target.mkdir(parents=True, exist_ok=True)
    try:
        # Copied beside its place then renamed: the job's folder never holds half a file.
        partial = target / (".part-" + upload_path.name)
        shutil.copyfile(upload_path, partial)
        partial.replace(target / upload_path.name)
        job.params = {**options, "file": upload_path.name}
        job.save(force_insert=True)
    except OSError as exc:
        shutil.rmtree(target, ignore_errors=True)
        if exc.errno in storage.FULL:
            raise disk_full() from exc
        raise
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    enqueue(job)
    return job


COUNTED_SUFFIXES = {".gpkg", ".geojson", ".json", ".csv", ".zip"}  # KML is screened before GDAL opens it


def count_features(path: Path, source_layer: str | None = None) -> int:
    """Features in an upload as GDAL counts them without reading geometries; -1 when it cannot tell."""
    from pyogrio import list_layers, read_info

    suffix = path.suffix.lower()
    if suffix not in COUNTED_SUFFIXES:
        return -1
    source = f"/vsizip/{path}" if suffix == ".zip" else str(path)
    try:
        names = [str(name) for name, _geometry in list_layers(source)]
        if source_layer:
            names = [n for n in names if n == source_layer]
        counts = [int(read_info(source, layer=n, force_feature_count=True).get("features", -1)) for n in names]
    except Exception:  # noqa: BLE001 - a file GDAL cannot count is left to the import's own checks
        return -1
    return sum(c for c in counts if c > 0) if counts else -1


# --- claiming and running ---------------------------------------------------------------------------


def claim(job_id) -> Job | None:
    """Take the job for this delivery: None when it is finished or another live worker has it."""
    now = timezone.now()
    dead = now - timedelta(seconds=HARD_LIMIT_S)
    taken = (
        Job.objects.filter(pk=job_id)
        .filter(Q(status=Job.QUEUED) | Q(status=Job.RUNNING, started_at__lt=dead))
        .update(status=Job.RUNNING, started_at=now)
    )
    return Job.objects.select_related("user").get(pk=job_id) if taken else None


def _statement_timeout() -> None:
    """A job's queries may run as long as its kind allows (not the interactive default)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{SOFT_LIMIT_S * 1000}ms"])


def _mine(job: Job):
    """The job row as long as this delivery still holds it."""
    return Job.objects.filter(pk=job.pk, status=Job.RUNNING, started_at=job.started_at)


def _fail(job: Job, code: str, message: str, report: dict | None = None) -> None:
    _mine(job).update(status=Job.FAILED, error_code=code[:50], error=message, report=report, finished_at=timezone.now())


def _failure(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, PlatformError):
        return exc.code, exc.message
    if isinstance(exc, OSError) and exc.errno in storage.FULL:
        full = disk_full()
        return full.code, full.message
    if isinstance(exc, SoftTimeLimitExceeded):
        minutes = SOFT_LIMIT_S // 60
        return "time_limit", _("Tác vụ chạy quá %(minutes)s phút nên đã dừng") % {"minutes": minutes}
    log.exception("job failed")
    return "internal_error", _("Tác vụ gặp lỗi ngoài dự kiến; hãy thử lại hoặc báo quản trị viên")


def run_export(job_id) -> str | None:
    """Write the export file of a job; None when this delivery had nothing to do."""
    job = claim(job_id)
    if job is None:
        return None
    with translation.override(job.language):
        _statement_timeout()
        try:
            written, size, names, relative = exporting.write(job)
        except Exception as exc:  # SoftTimeLimitExceeded too; recorded on the job, in the user's language
            _fail(job, *_failure(exc))
            return Job.FAILED
        fmt = job.params["fmt"]
        now = timezone.now()
        updated = _mine(job).update(
            status=Job.DONE,
            rows=written,
            bytes=size,
            columns=names,
            file=relative,
            file_name=f"{job.layer}.{exports.FILE_ENDINGS[fmt]}",
            finished_at=now,
            expires_at=now + file_ttl(),
        )
        if not updated:  # taken over meanwhile (this worker was thought dead): its file is not ours to keep
            Path(settings.DATA_DIR, relative).unlink(missing_ok=True)
            return None
    return Job.DONE


def run_import(job_id) -> str | None:
    """Run the import service on the job's upload with the job's options and user; None if nothing to do."""
    job = claim(job_id)
    if job is None:
        return None
    upload = imports_folder() / str(job.pk) / job.params.get("file", "")
    options = {k: job.params.get(k) for k in ("name", "srs", "mode", "dry_run", "source_layer")}
    options["mode"] = options["mode"] or "all"
    options["dry_run"] = bool(options["dry_run"])
    outcome = None
    with translation.override(job.language):
        _statement_timeout()
        try:
            with transaction.atomic():
                # Locked for the run: a concurrent redelivery that claimed a "dead" job waits here.
                if not _mine(job).select_for_update().exists():
                    return None
                if not upload.is_file():
                    raise PlatformError(_("Tệp tải lên của tác vụ này không còn"), code="upload_missing")
                try:
                    report = imports.import_file(upload, job.layer, user=job.user, **options)
                except imports.ImportRefused as exc:
                    body = exc.report.as_dict() if exc.report is not None else None
                    _fail(job, exc.code, exc.message, body)
                    outcome = Job.FAILED
                else:
                    now = timezone.now()
                    _mine(job).update(
                        status=Job.DONE,
                        rows=report.written,
                        report=report.as_dict(),
                        finished_at=now,
                        expires_at=now + file_ttl(),
                    )
                    outcome = Job.DONE
        except Exception as exc:  # SoftTimeLimitExceeded too; recorded on the job, in the user's language
            _fail(job, *_failure(exc))
            outcome = Job.FAILED
    shutil.rmtree(upload.parent, ignore_errors=True)
    return outcome


# --- what a user sees --------------------------------------------------------------------------------


def owned(job_id, user) -> Job:
    """The job when ``user`` made it; anyone else (and anonymous callers) get a 404."""
    job = None
    if user is not None and user.is_authenticated:
        job = Job.objects.filter(pk=job_id, user=user).first()
    if job is None:
        raise NotFound(_("Không có tác vụ %(job)s") % {"job": str(job_id)}, field="job")
    return job


def status(job: Job, status_url: str, download_url: str | None) -> dict:
    """The status document of a job."""
    body = {
        "job": str(job.pk),
        "kind": job.kind,
        "layer": job.layer,
        "status": job.status,
        "rows": job.rows,
        "bytes": job.bytes,
        "status_url": status_url,
        "download_url": download_url if job.kind == Job.EXPORT and job.status == Job.DONE else None,
        "error": job.error or None,
        "error_code": job.error_code or None,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "expires_at": job.expires_at.isoformat() if job.expires_at else None,
    }
    if job.kind == Job.IMPORT:
        body["report"] = job.report
    return body


def download_path(job: Job) -> Path:
    """The finished export file, while its owner may still read the layer and every column in it."""
    gone = NotFound(_("Tệp xuất của tác vụ %(job)s không còn") % {"job": str(job.pk)}, field="job")
    if job.kind != Job.EXPORT or job.status != Job.DONE or not job.file:
        raise gone
    if job.expires_at is not None and job.expires_at <= timezone.now():
        raise gone
    layer = exporting.readable_layer(job.layer, job.user)
    if not set(job.columns) <= set(layer.fields_for(job.user)):
        raise gone  # the file holds fields its owner may no longer see
    path = Path(settings.DATA_DIR) / job.file
    if not path.is_file():
        raise gone
    return path


# --- beat: expiry and resending ---------------------------------------------------------------------


def sweep() -> dict:
    """Remove expired files and mark their jobs expired; resend queued jobs the broker never got."""
    now = timezone.now()
    expired = 0
    for job in Job.objects.filter(status=Job.DONE, expires_at__lte=now).only("pk", "file"):
        if job.file:
            Path(settings.DATA_DIR, job.file).unlink(missing_ok=True)
        expired += Job.objects.filter(pk=job.pk, status=Job.DONE).update(status=Job.EXPIRED, file="")
    resent = 0
    stale = Q(status=Job.QUEUED, created_at__lt=now - REQUEUE_AFTER)
    stale |= Q(status=Job.RUNNING, started_at__lt=now - timedelta(seconds=HARD_LIMIT_S))
    for job in Job.objects.filter(stale).only("pk", "kind"):
        resent += bool(_send(TASKS[job.kind], str(job.pk)))
    return {"expired": expired, "resent": resent}
