"""HTTP edge of background jobs: the 202 answer, the status document, the download (owner only)."""

from django.http import FileResponse, JsonResponse
from django.urls import reverse

from layers.api import exports
from layers.api.access import read_only

from . import services
from .models import Job


def _urls(request, job: Job) -> tuple[str, str]:
    status_url = request.build_absolute_uri(reverse("api:job", args=[job.pk]))
    download_url = request.build_absolute_uri(reverse("api:job-download", args=[job.pk]))
    return status_url, download_url


def accepted(request, job: Job) -> JsonResponse:
    """202 Accepted with {job, status, status_url} and the status URL as Location."""
    status_url, _download = _urls(request, job)
    response = JsonResponse({"job": str(job.pk), "status": job.status, "status_url": status_url}, status=202)
    response["Location"] = status_url
    response["Cache-Control"] = "private, no-store"
    return response


@read_only
def job_status(request, job):
    """{status: queued|running|done|failed|expired, rows, bytes, download_url, error, report} for the owner."""
    found = services.owned(job, request.user)
    status_url, download_url = _urls(request, found)
    response = JsonResponse(services.status(found, status_url, download_url), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


@read_only
def job_download(request, job):
    """The finished export file, streamed to the job's owner only (others: 404)."""
    found = services.owned(job, request.user)
    path = services.download_path(found)
    content_type = exports.CONTENT_TYPES.get(found.params.get("fmt"), "application/octet-stream")
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=found.file_name, content_type=content_type)  # noqa: SIM115 - FileResponse closes it
    response["Cache-Control"] = "private, no-store"
    return response
