"""The kinds of ``ingest_raster --kind``: each a dotted path to ``handler(path: str, **options) -> IngestRun``.

Handlers are imported on use, so a kind whose module is not written yet answers with a clear error.
"""

from __future__ import annotations

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError

KINDS = {
    "fire-mask": "ingest.fire_rasters.ingest_fire_mask",
    "burned-area": "ingest.fire_rasters.ingest_burned_area",
    "flood": "ingest.flood.ingest_flood",
    "flood-gfm": "ingest.flood.ingest_gfm",
    "flood-nrt": "ingest.flood.ingest_nrt",
    "discharge": "ingest.discharge.ingest_path",
    "dem": "ingest.dem.ingest_path",
}


class UnknownKind(PlatformError):
    """A raster kind that is not in the table or whose handler is not available."""

    code = "unknown_raster_kind"


def handler(kind: str):
    """The handler function of a kind."""
    if kind not in KINDS:
        message = _("Loại raster %(kind)s không xác định; chọn một trong: %(kinds)s")
        raise UnknownKind(message % {"kind": repr(kind), "kinds": ", ".join(KINDS)}, field="kind")
    try:
        return import_string(KINDS[kind])
    except ImportError as exc:
        message = _("Loại raster %(kind)s chưa dùng được ở đây (%(detail)s)")
        raise UnknownKind(message % {"kind": repr(kind), "detail": exc}, field="kind") from exc


def ingest(path: str, kind: str, **options):
    """Run the handler of a kind on a file."""
    return handler(kind)(str(path), **options)
