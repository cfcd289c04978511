"""What a flood file is and what its pixels say: product and time from the file, the product's layers
opened and checked, and their values decoded strip by strip into the state raster.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path

import numpy as np
import rasterio
from django.utils.translation import gettext as _
from rasterio import windows
from rasterio.errors import RasterioError

from layers.flood import encodings
from rasterstore import opening

DRIVERS = ("GTiff", "COG", "netCDF")
STRIP_ROWS = 1024

# GFM file names: <LAYER>_<yyyymmddThhmmss>_<pol>_<grid>_<tile>.tif; the other layers are siblings.
GFM_LAYERS = {
    "ENSEMBLE_FLOOD": "observed",
    "OBSERVED_FLOOD": "observed",
    "ENSEMBLE_LIKELIHOOD": "likelihood",
    "REFERENCE_WATER": "reference",
    "EXCLUSION_MASK": "exclusion",
    "ADVISORY_FLAGS": "advisory",
}
_GFM_NAME = re.compile(r"^(" + "|".join(GFM_LAYERS) + r")_(.*\d{8}T\d{6}.*)$", re.IGNORECASE)
_STAMP = re.compile(r"(\d{8}T\d{6})")
_MODIS_DAY = re.compile(r"\.A(\d{4})(\d{3})\.")
_TIME_TAGS = ("observed_at", "OBSERVED_AT", "time", "TIME", "acquisition_time", "time_coverage_start", "DATETIME")


class FloodRefused(opening.RasterRefused):
    """A flood raster the platform will not read; nothing was written."""

    code = "flood_refused"
    status = 400


class NeedsCRS(FloodRefused):
    """A flood raster without a CRS (or with one that is not a plain CRS); never assumed."""

    code = "needs_crs"


class FloodTooLarge(opening.RasterTooLarge, FloodRefused):
    """A flood raster whose declared size is above the pixel cap."""

    code = "too_large"
    status = 413


def parse_time(value, field: str = "time") -> dt.datetime:
    """An aware UTC datetime from ISO text or a datetime; a time without zone is refused."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            message = _("Thời điểm %(value)s không đúng dạng ISO 8601") % {"value": repr(str(value)[:40])}
            raise FloodRefused(message, field=field) from exc
    if moment.tzinfo is None:
        raise FloodRefused(_("Thời điểm cần có múi giờ (ví dụ 2026-10-24T11:32Z)"), field=field)
    return moment.astimezone(dt.UTC)


def detect_product(file: Path, ds, said: str = "") -> str:
    """The product a file says it is (GFM/NRT names, tags, NetCDF attributes, band names); else "s1"."""
    name = file.name.upper()
    if _GFM_NAME.match(file.name):
        return "gfm"
    if name.startswith("MCDWD") or "FLOOD_NRT" in name or "VNP_FLOOD" in name:
        return "nrt"
    tags = {k.lower(): str(v).upper() for k, v in ds.tags().items()}
    said = " ".join([said.upper()] + [tags.get(k, "") for k in ("product", "title", "source")])
    if "GFM" in said or "GLOBAL FLOOD MONITORING" in said:
        return "gfm"
    if any(word in said for word in ("MCDWD", "MODIS NRT", "VIIRS NRT", "LANCE")):
        return "nrt"
    descriptions = " ".join((d or "").lower() for d in ds.descriptions)
    if "likelihood" in descriptions or "reference_water" in descriptions:
        return "gfm"
    return "s1"


def detect_time(file: Path, ds, netcdf_time: dt.datetime | None) -> dt.datetime | None:
    """The observation time a file states: GFM/MCDWD file names, TIFF tags, NetCDF time coordinate."""
    stamp = _STAMP.search(file.name)
    if stamp:
        return dt.datetime.strptime(stamp.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
    day = _MODIS_DAY.search(file.name)
    if day:
        start = dt.datetime(int(day.group(1)), 1, 1, tzinfo=dt.UTC)
        return start + dt.timedelta(days=int(day.group(2)) - 1)
    if netcdf_time is not None:
        return netcdf_time
    tags = ds.tags()
    for key in _TIME_TAGS:
        if tags.get(key):
            with contextlib.suppress(FloodRefused):
                return parse_time(tags[key])
    if tags.get("TIFFTAG_DATETIME"):  # "YYYY:MM:DD HH:MM:SS", taken as UTC
        with contextlib.suppress(ValueError):
            return dt.datetime.strptime(tags["TIFFTAG_DATETIME"], "%Y:%m:%d %H:%M:%S").replace(tzinfo=dt.UTC)
    return None


def netcdf_facts(path: Path) -> tuple[dt.datetime | None, str]:
    """A NetCDF flood grid's single time (time coordinate or time_coverage_start) and what its attributes say."""
    import xarray as xr

    try:
        with xr.open_dataset(path, decode_coords="all", cache=False) as data:
            said = " ".join(str(data.attrs.get(k, "")) for k in ("product", "title", "source", "summary"))
            if "time" in data.coords and data["time"].size == 1:
                value = np.datetime64(data["time"].values.reshape(-1)[0], "s").astype(dt.datetime)
                return value.replace(tzinfo=dt.UTC), said
            text = data.attrs.get("time_coverage_start")
    except Exception:  # the safe open reports damage properly; here only the time and product are sought
        return None, ""
    with contextlib.suppress(FloodRefused):
        return (parse_time(text) if text else None), said
    return None, said


def _gfm_siblings(file: Path) -> dict[str, Path]:
    """The GFM layers beside a GFM-named file: role → path (the same time and tile, another layer name)."""
    match = _GFM_NAME.match(file.name)
    if not match:
        return {}
    rest = match.group(2)
    found = {}
    for prefix, role in GFM_LAYERS.items():
        candidate = file.with_name(f"{prefix}_{rest}")
        if candidate.is_file() and role not in found:
            found[role] = candidate
    return found


def _band_roles(ds) -> dict[str, int]:
    """GFM roles of a multi-band file's bands from their descriptions."""
    roles = {}
    for index, description in enumerate(ds.descriptions, start=1):
        text = (description or "").lower()
        for word, role in (
            ("likelihood", "likelihood"),
            ("reference", "reference"),
            ("exclusion", "exclusion"),
            ("advisory", "advisory"),
            ("flood", "observed"),
        ):
            if word in text:
                roles.setdefault(role, index)
                break
    return roles


def _check_dtype(name: str, ds) -> None:
    kinds = {np.dtype(d).kind for d in ds.dtypes}
    if not kinds <= {"u", "i", "b"}:
        message = _("%(name)s: lớp ngập phải là số nguyên (uint8/int16…), không nhận %(dtype)s")
        raise FloodRefused(message % {"name": name, "dtype": ", ".join(ds.dtypes)}, field="dtype")


def _integral(values: np.ndarray, name: str) -> np.ndarray:
    """Float values of a NetCDF class grid as integers; a fraction means it is not a class grid."""
    if values.dtype.kind == "f":
        finite = np.isfinite(values)
        if not np.array_equal(values[finite], np.round(values[finite])):
            message = _("%(name)s: lớp ngập chứa giá trị lẻ, không phải mã phân loại")
            raise FloodRefused(message % {"name": name}, field="dtype")
        values = np.where(finite, values, encodings.NODATA)
    return values.astype(np.int32)


class Layers:
    """The opened layers of one product: role → (dataset, band), all on the same grid."""

    def __init__(self, file: Path, product: str, max_pixels: int, variable: str | None):
        self.stack = contextlib.ExitStack()
        self.file, self.product = file, product
        self.kind = opening.sniff(file)
        try:
            self._open_all(file, product, max_pixels, variable)
        except BaseException:
            self.stack.close()
            raise

    def _open_all(self, file: Path, product: str, max_pixels: int, variable: str | None) -> None:
        self.main = self._open(file, max_pixels, variable)
        self.layers: dict[str, tuple] = {}
        if product == "gfm":
            roles = _band_roles(self.main) if self.main.count > 1 else {}
            if roles:
                self.layers = {role: (self.main, band) for role, band in roles.items()}
            else:
                siblings = _gfm_siblings(file) or {"observed": file}
                for role, sibling in siblings.items():
                    ds = self.main if sibling == file else self._open(sibling, max_pixels, variable)
                    self._same_grid(ds, sibling)
                    self.layers[role] = (ds, 1)
            if "observed" not in self.layers and "likelihood" not in self.layers:
                message = _("%(name)s: tệp GFM không có lớp vùng ngập hay xác suất ngập") % {"name": file.name}
                raise FloodRefused(message, field="path")
        else:
            self.layers = {"values": (self.main, 1)}

    def _open(self, path: Path, max_pixels: int, variable: str | None):
        ds = self.stack.enter_context(
            opening.open_checked(path, max_pixels=max_pixels, allowed_drivers=DRIVERS, variable=variable)
        )
        if opening.sniff(path) == "tiff":
            _check_dtype(path.name, ds)
        return ds

    def _same_grid(self, ds, path: Path) -> None:
        main = self.main
        if (ds.width, ds.height) != (main.width, main.height) or not ds.transform.almost_equals(main.transform):
            message = _("%(name)s: lớp GFM không cùng lưới với %(main)s") % {"name": path.name, "main": self.file.name}
            raise FloodRefused(message, field="path")

    def read(self, role: str, window) -> np.ndarray | None:
        """One window of a layer as integers (NetCDF fill values become 255), or None when absent."""
        if role not in self.layers:
            return None
        ds, band = self.layers[role]
        try:
            return _integral(ds.read(band, window=window), self.file.name)
        except RasterioError as exc:
            raise opening.RasterRefused(
                _("%(name)s: không đọc được dữ liệu (%(detail)s)") % {"name": self.file.name, "detail": str(exc)[:200]},
                field="path",
            ) from exc

    def valid(self, window) -> np.ndarray:
        """Where the single layer of an NRT/S-1 file holds data (its nodata and NaN masked)."""
        ds, band = self.layers["values"]
        return ~np.ma.getmaskarray(opening.read_masked(ds, band, window=window))

    def close(self) -> None:
        """Close every opened dataset."""
        self.stack.close()


def decode(layers: Layers, window, threshold: int | None, nrt_flood: tuple[int, ...]) -> np.ndarray:
    if layers.product == "gfm":
        return encodings.gfm(
            layers.read("observed", window),
            reference=layers.read("reference", window),
            exclusion=layers.read("exclusion", window),
            likelihood=layers.read("likelihood", window),
            threshold=threshold,
        )
    values = layers.read("values", window)
    if layers.product == "nrt":
        return encodings.nrt(values, nrt_flood)
    return encodings.s1(values, layers.valid(window))


def write_state(layers: Layers, state_path: Path, likelihood_path: Path | None, threshold, nrt_flood) -> dict:
    """Decode the product strip by strip into the state raster (and the GFM likelihood); pixel counts."""
    ds = layers.main
    profile = {
        "driver": "GTiff",
        "width": ds.width,
        "height": ds.height,
        "count": 1,
        "dtype": "uint8",
        "crs": ds.crs,
        "transform": ds.transform,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
    }
    totals = {"dry": 0, "flood": 0, "permanent_water": 0, "unknown": 0, "advisory_flagged": 0}
    with contextlib.ExitStack() as stack:
        state_out = stack.enter_context(rasterio.open(state_path, "w", **profile))
        like_out = None
        if likelihood_path is not None:
            like_out = stack.enter_context(rasterio.open(likelihood_path, "w", nodata=255, **profile))
        for top in range(0, ds.height, STRIP_ROWS):
            win = windows.Window(0, top, ds.width, min(STRIP_ROWS, ds.height - top))
            state = decode(layers, win, threshold, nrt_flood)
            state_out.write(state, 1, window=win)
            for key, value in encodings.counts(state).items():
                totals[key] += value
            if like_out is not None:
                like = layers.read("likelihood", win)
                like_out.write(np.where((like >= 0) & (like <= 100), like, 255).astype(np.uint8), 1, window=win)
            flags = layers.read("advisory", win) if layers.product == "gfm" else None
            if flags is not None:
                totals["advisory_flagged"] += int(np.count_nonzero((flags > 0) & (flags != 255)))
    return totals
