"""Flood products (Copernicus GFM, MODIS/VIIRS NRT, Sentinel-1 water masks) into the raster catalogue and a
FloodObservation each.

Every file is opened through ``rasterstore.opening.open_checked`` (format allowlist, pixel cap before
reading, a plain CRS the file itself defines). The product's values are decoded strip by strip into a
derived state raster (0 dry, 1 flood, 2 permanent water, 255 unknown) in the file's grid; flood and
unknown pixels are then sieved, polygonized and simplified in bounded memory
(``layers.flood.vectorise``), areas computed in VN-2000 / UTM 48N and outlines stored in EPSG:4326.

Refused files (not a raster we read, no CRS, odd CRS, above the pixel cap, wrong dtype, no time) raise
``FloodRefused`` and write nothing; damaged files keep a failed IngestRun with the reason and nothing
else. The same file twice is one asset: the second run answers the first.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import connection, transaction
from django.utils.translation import gettext as _
from pyproj import Transformer

from layers.flood import encodings, hooks, services, tiles, vectorise
from layers.flood.models import FloodObservation
from rasterstore import opening
from rasterstore.models import RasterAsset

from . import runs
from .flood_products import (  # noqa: F401  (the error family and readers are part of this module's API)
    DRIVERS,
    FloodRefused,
    FloodTooLarge,
    Layers,
    NeedsCRS,
    detect_product,
    detect_time,
    netcdf_facts,
    parse_time,
    write_state,
)
from .models import IngestRun

log = logging.getLogger(__name__)

MAX_PIXELS = 160_000_000  # a 10,980² tile (120.6 M) fits; its decoded mask is one byte per pixel
METRIC_EPSG = 3405
DEFAULT_MIN_PIXELS = 4  # minimum mapping unit: patches under 4 pixels are speckle
DEFAULT_SIMPLIFY_PIXELS = 1.0
PRODUCT_NAMES = {"gfm": "Copernicus GFM", "nrt": "MODIS/VIIRS NRT", "s1": "Sentinel-1"}


def ingest_flood(path: str, **options) -> IngestRun:
    """``--kind flood``: a flood raster whose product is read from the file (GFM, NRT), else a Sentinel-1 mask."""
    return ingest_path(path, **options)


def ingest_gfm(path: str, **options) -> IngestRun:
    """``--kind flood-gfm``: Copernicus GFM layers (one multi-band file, or ENSEMBLE_FLOOD_… with its siblings)."""
    return ingest_path(path, product="gfm", **options)


def ingest_nrt(path: str, **options) -> IngestRun:
    """``--kind flood-nrt``: a MODIS/VIIRS NRT flood product (MCDWD-style values)."""
    return ingest_path(path, product="nrt", **options)


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _int_option(options: dict, name: str, default: int | None, low: int, high: int) -> int | None:
    value = options.get(name, default)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise FloodRefused(_("%(name)s phải là số nguyên") % {"name": name}, field=name) from exc
    if not low <= number <= high:
        message = _("%(name)s phải trong khoảng %(low)s–%(high)s") % {"name": name, "low": low, "high": high}
        raise FloodRefused(message, field=name)
    return number


def _float_option(options: dict, name: str, default: float) -> float:
    value = options.get(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise FloodRefused(_("%(name)s phải là số") % {"name": name}, field=name) from exc
    if not (0 <= number < 1000):
        raise FloodRefused(_("%(name)s phải trong khoảng 0–1000") % {"name": name}, field=name)
    return number


def _refusal(exc: opening.RasterRefused) -> FloodRefused:
    if isinstance(exc, opening.RasterTooLarge):
        return FloodTooLarge(exc.message, field=exc.field)
    if exc.field == "crs":
        return NeedsCRS(exc.message, field="crs")
    return FloodRefused(exc.message, field=exc.field)


def _to(crs_from, epsg: int):
    transformer = Transformer.from_crs(crs_from, epsg, always_xy=True)
    return lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1]))


def _outline(geom, crs) -> tuple[shapely.MultiPolygon, float]:
    """A grid-CRS MultiPolygon in EPSG:4326 and its area in m² (VN-2000 / UTM 48N)."""
    if geom.is_empty:
        return shapely.MultiPolygon(), 0.0
    area = float(shapely.area(shapely.transform(geom, _to(crs, METRIC_EPSG))))
    parts = shapely.make_valid(shapely.transform(shapely.get_parts(geom), _to(crs, 4326)))
    lonlat = vectorise.valid(vectorise.as_multipolygon(shapely.GeometryCollection(list(parts))))
    return lonlat, area


def _pixel_area_m2(ds) -> float:
    """The area of one pixel at the grid's centre in m²."""
    x, y = ds.xy(ds.height // 2, ds.width // 2)
    a, e = abs(ds.transform.a), abs(ds.transform.e)
    cell = shapely.box(x, y, x + a, y + e)
    return float(shapely.area(shapely.transform(cell, _to(ds.crs, METRIC_EPSG))))


def _geos(geom) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4326)


def _existing(sha: str) -> RasterAsset | None:
    return RasterAsset.objects.filter(sha256=sha).first()


def _replay(asset: RasterAsset, file: Path, sha: str, product: str) -> IngestRun:
    """The same file again: no new asset; the first run answers, or a run that says so."""
    if asset.run_id and asset.run.status == "succeeded":
        return asset.run
    run = runs.start(PRODUCT_NAMES.get(product, product), "flood", file_name=file.name[:300], sha256=sha)
    message = _("Tệp này đã có trong kho raster (tài sản %(asset)s)") % {"asset": asset.pk}
    return runs.finish(run, read=0, new=0, duplicate=1, rejected=[], message=message)


def ingest_path(
    path: str,
    *,
    product: str | None = None,
    time=None,
    observed_at=None,
    threshold=None,
    min_pixels=None,
    simplify=None,
    variable: str | None = None,
    max_pixels: int = MAX_PIXELS,
    synthetic: bool = False,
    nrt_flood_values: tuple[int, ...] = (2, 3),
    **ignored,
) -> IngestRun:
    """One flood raster into a catalogued asset, a state raster and a FloodObservation; returns the run."""
    file = Path(path)
    try:
        opening.sniff(file)
    except opening.RasterRefused as exc:
        raise FloodRefused(exc.message, field=exc.field) from exc
    given_time = time if time not in (None, "") else observed_at
    moment = parse_time(given_time) if given_time not in (None, "") else None
    options = {"threshold": threshold, "min_pixels": min_pixels, "simplify": simplify}
    cut = _int_option(options, "threshold", None, 0, 100)
    sieve_pixels = _int_option(options, "min_pixels", DEFAULT_MIN_PIXELS, 0, 1_000_000)
    simplify_pixels = _float_option(options, "simplify", DEFAULT_SIMPLIFY_PIXELS)
    sha = sha256(file)
    first = _existing(sha)
    if first is not None:
        return _replay(first, file, sha, product or first.product)

    layers = None
    try:
        try:
            probe = Layers(file, "s1", max_pixels, variable)  # open once to read what the file says
        except opening.RasterRefused as exc:
            raise _refusal(exc) from exc
        with contextlib.closing(probe):
            nc_time, said = netcdf_facts(file) if probe.kind != "tiff" else (None, "")
            detected = product or detect_product(file, probe.main, said)
            stated = detect_time(file, probe.main, nc_time)
        moment = moment or stated
        if moment is None:
            message = _("%(name)s: tệp không ghi thời điểm quan sát; hãy cho --time (ISO 8601, có múi giờ)")
            raise FloodRefused(message % {"name": file.name}, field="time")
        try:
            layers = Layers(file, detected, max_pixels, variable)
        except opening.RasterRefused as exc:
            raise _refusal(exc) from exc
    except FloodRefused:
        if layers is not None:
            layers.close()
        raise
    params = {
        "product": detected,
        "observed_at": moment.isoformat(),
        "threshold": cut,
        "min_pixels": sieve_pixels,
        "simplify_pixels": simplify_pixels,
        "layers": sorted(layers.layers),
    }
    run = runs.start(PRODUCT_NAMES[detected], "flood", file_name=file.name[:300], sha256=sha, params=params)
    folder = Path(settings.DATA_DIR) / "rasters" / "flood"
    folder.mkdir(parents=True, exist_ok=True)
    state_path = folder / f"{sha[:24]}_state.tif"
    like_path = folder / f"{sha[:24]}_likelihood.tif" if "likelihood" in layers.layers else None
    try:
        with contextlib.closing(layers):
            ds = layers.main
            totals = write_state(layers, state_path, like_path, cut, tuple(nrt_flood_values))
            for derived in (state_path, like_path):
                if derived is not None:
                    tiles.build_overviews(str(derived))  # low-zoom map tiles read few pixels
            pixel_m2 = _pixel_area_m2(ds)
            tolerance = simplify_pixels * abs(ds.transform.a)
            flooded, _n = vectorise.vectorise(str(state_path), (1,), min_pixels=sieve_pixels, tolerance=tolerance)
            unknown, _n = vectorise.vectorise(str(state_path), (255,), min_pixels=sieve_pixels, tolerance=tolerance)
            flooded, flooded_m2 = _outline(flooded, ds.crs)
            unknown, unknown_m2 = _outline(unknown, ds.crs)
            record = {
                "crs": ds.crs.to_string(),
                "width": ds.width,
                "height": ds.height,
                "bounds": opening.bounds_4326(ds),
                "resolution": [abs(ds.transform.a), abs(ds.transform.e)],
                "nodata": None if ds.nodata is None else float(ds.nodata),
            }
    except opening.RasterRefused as exc:
        _remove(state_path, like_path)
        return runs.fail(run, exc.message)
    except Exception as exc:  # once the run is open it must not stay "running"
        _remove(state_path, like_path)
        runs.fail(run, f"{type(exc).__name__}: {str(exc)[:300]}")
        raise
    stats = {**totals, "pixel_area_m2": round(pixel_m2, 3), "all_unknown": totals["unknown"] == ds.width * ds.height}
    try:
        return _store(
            run, file, sha, detected, moment, record, stats, params, synthetic,
            (flooded, flooded_m2, unknown, unknown_m2, state_path, like_path),
        )  # fmt: skip
    except Exception as exc:
        _remove(state_path, like_path)
        runs.fail(run, f"{type(exc).__name__}: {str(exc)[:300]}")
        raise


def _remove(*paths) -> None:
    for item in paths:
        if item is not None:
            Path(item).unlink(missing_ok=True)


def _store(run, file, sha, product, moment, record, stats, params, synthetic, derived) -> IngestRun:
    """Asset, observation and event grouping in one transaction; the hook after commit."""
    flooded, flooded_m2, unknown, unknown_m2, state_path, like_path = derived
    west, south, east, north = record["bounds"]
    encoding = {"values": encodings.ENCODINGS[product], "state": encodings.ENCODINGS["state"]}
    if params["threshold"] is not None:
        encoding["likelihood_threshold"] = params["threshold"]
    with transaction.atomic():
        # Two workers on the same file: the second waits here, then finds the first one's asset.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"raster:{sha}"])
        first = _existing(sha)
        if first is not None:
            message = _("Tệp này đã có trong kho raster (tài sản %(asset)s)") % {"asset": first.pk}
            return runs.finish(run, read=0, new=0, duplicate=1, rejected=[], message=message)
        asset = RasterAsset.objects.create(
            kind="flood-gfm" if product == "gfm" else "flood-nrt" if product == "nrt" else "flood",
            name=f"{PRODUCT_NAMES[product]} {moment:%Y-%m-%d %H:%M}"[:200],
            path=str(file.resolve()),
            stats=stats,
            synthetic=synthetic,
            run=run,
            product=product,
            observed_at=moment,
            footprint=Polygon.from_bbox((west, south, east, north)),
            encoding=encoding,
            sha256=sha,
            **record,
        )
        observation = FloodObservation.objects.create(
            product=product,
            observed_at=moment,
            asset=asset,
            flooded=_geos(flooded),
            unknown=_geos(unknown),
            flooded_area_m2=flooded_m2,
            unknown_area_m2=unknown_m2,
            state_raster=str(state_path),
            likelihood_raster=str(like_path or ""),
            params=params,
        )
        services.group_into_events([observation.pk])
        run.params = {**params, "observation_id": observation.pk, "asset_id": asset.pk}
        message = _("%(flood)s km² ngập, %(unknown)s km² không rõ") % {
            "flood": f"{flooded_m2 / 1e6:.2f}",
            "unknown": f"{unknown_m2 / 1e6:.2f}",
        }
        finished = runs.finish(
            run, read=record["width"] * record["height"], new=1, duplicate=0, rejected=[], message=message
        )
        transaction.on_commit(lambda: hooks.after_observation(observation.pk), robust=True)
    return finished
