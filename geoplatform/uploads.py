"""Refusing an upload by its declared size, before Django reads its body."""

from django.conf import settings
from django.utils.translation import gettext as _

from geoplatform.errors import TooLarge


def refuse_declared_oversize(request) -> int:
    """Raise TooLarge (413, field "file") when Content-Length exceeds the upload cap; return the cap."""
    cap = settings.GEOPLATFORM_MAX_UPLOAD_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > cap:
        raise TooLarge(_("Tệp tải lên vượt quá %(cap)s byte") % {"cap": cap}, field="file")
    return cap
