"""The kinds of ``ingest_raster --kind``: each a dotted path to ``handler(path: str, **options) -> IngestRun``.

Handlers are imported on use, so a kind whose module is not written yet answers with a clear error.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from geoplatform.errors import PlatformError

KINDS = {
    "fire-mask": "ingest.fire_rasters.ingest_fire_mask",
    "burned-area": "ingest.fire_rasters.ingest_burned_area",
    "flood": "ingest.flood.ingest_path",
    "dem": "ingest.dem.ingest_path",
}


class UnknownKind(PlatformError):
    """A raster kind that is not in the table or whose handler is not available."""

    code = "unknown_raster_kind"


def handler(kind: str):
    """The handler function of a kind."""
    if kind not in KINDS:
        raise UnknownKind(f"unknown raster kind {kind!r}; one of {', '.join(KINDS)}", field="kind")
    try:
        return import_string(KINDS[kind])
    except ImportError as exc:
        raise UnknownKind(f"raster kind {kind!r} is not available here ({exc})", field="kind") from exc


def ingest(path: str, kind: str, **options):
    """Run the handler of a kind on a file."""
    return handler(kind)(str(path), **options)
