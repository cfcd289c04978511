"""Serving report photos by their random token: staff always, everyone else once the report is public."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from layers import roles

from .models import Photo

# A report nobody has looked at yet (or one turned down) is not public: its photos are for staff only.
NOT_PUBLIC = frozenset({"received", "rejected"})
STAFF = frozenset({roles.FEEDBACK_OFFICER, roles.OPERATOR, roles.ADMIN})


def may_see(photo: Photo, user) -> bool:
    """Whether this person may see this photo."""
    return photo.complaint.status not in NOT_PUBLIC or bool(roles.of(user) & STAFF)


def response(photo: Photo, user) -> FileResponse:
    """The photo's JPEG, or 404 (not 403: whether a hidden photo exists is not told)."""
    if not may_see(photo, user):
        raise Http404
    answer = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    answer["X-Content-Type-Options"] = "nosniff"
    # A photo of a report that is not public must never sit in a shared cache.
    public = photo.complaint.status not in NOT_PUBLIC
    answer["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return answer


@require_GET
def photo(request, token):
    """A report's photo (re-encoded JPEG, no metadata) by its token."""
    record = Photo.objects.select_related("complaint").filter(token=token).first()
    if record is None:
        raise Http404
    return response(record, request.user)
