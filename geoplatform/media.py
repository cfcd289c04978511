"""Uploaded files under /media/, each kind with its own permission check; anything else is not served."""

from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import re_path
from django.views.decorators.http import require_GET


@require_GET
def serve(request, path: str):
    """A fire verification photo to rangers and operators; a report photo by the feedback rules."""
    parts = PurePosixPath(path).parts
    if ".." in parts or path.startswith("/") or len(parts) < 3:
        raise Http404
    if parts[:2] == ("fire", "photos"):
        from layers.fire import workflow

        if not workflow.can_act(request.user) or not default_storage.exists(path):
            raise Http404
        answer = FileResponse(default_storage.open(path, "rb"), content_type="image/jpeg")
        answer["Cache-Control"] = "private, max-age=3600"  # never kept by a shared cache
        answer["X-Content-Type-Options"] = "nosniff"
        return answer
    if parts[:2] == ("feedback", "photos"):
        from layers.feedback import photo_views
        from layers.feedback.models import Photo

        record = Photo.objects.select_related("complaint").filter(image=path).first()
        if record is None:
            raise Http404
        return photo_views.response(record, request.user)
    raise Http404


urlpatterns = [re_path(r"^media/(?P<path>.+)$", serve, name="media")]
