"""Moved to ``rasterstore.opening`` (the catalogue sits below ingest and layers); old imports keep working."""

from rasterstore.opening import (  # noqa: F401
    DEFAULT_DRIVERS,
    DEFAULT_MAX_PIXELS,
    RasterRefused,
    RasterTooLarge,
    bounds_4326,
    open_checked,
    read_masked,
    sniff,
    summarise,
)
