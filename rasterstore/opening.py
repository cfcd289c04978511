"""Safe opening of raster files shared by every raster ingest (fire, flood, DEM).

Hostile rasters are refused before any pixel is read: only a short allowlist of formats (the file's
magic bytes and GDAL's driver must both agree), no URLs or GDAL virtual paths, a pixel cap checked
on the declared size, and a CRS that the file itself defines (never assumed). NetCDF goes through
xarray so that a grid without ``grid_mapping`` is refused and descending latitude or 0-360
longitude are normalised to a north-up grid in -180..180.

Usage::

    with open_checked(path, max_pixels=50_000_000) as ds:   # a rasterio dataset
        band = read_masked(ds)                              # fill values masked
        facts = summarise(ds, band)                         # all_nodata / nodata_defined flags
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import rasterio
from django.utils.translation import gettext as _
from rasterio.errors import RasterioError
from rasterio.io import MemoryFile
from rasterio.transform import from_origin

from geoplatform.errors import PlatformError

DEFAULT_MAX_PIXELS = int(os.environ.get("GEOPLATFORM_MAX_RASTER_PIXELS", 200_000_000))
DEFAULT_DRIVERS = ("GTiff", "COG", "netCDF", "HDF5")

# GDAL options for every open: no sidecar directory listing, no network at all.
_SAFE_GDAL = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_HTTP_TIMEOUT": "1",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".none",
    "GDAL_NETCDF_VERIFY_DIMS": "YES",
}

_MAGIC = (
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),
    (b"MM\x00+", "tiff"),
    (b"CDF\x01", "netcdf"),
    (b"CDF\x02", "netcdf"),
    (b"CDF\x05", "netcdf"),
    (b"\x89HDF\r\n\x1a\n", "hdf5"),
)
# Which allowlisted driver names admit each sniffed format (COG files are read by GTiff).
_FORMAT_DRIVERS = {"tiff": {"GTiff", "COG"}, "netcdf": {"netCDF"}, "hdf5": {"netCDF", "HDF5"}}

_LAT_NAMES = ("lat", "latitude", "y", "rlat")
_LON_NAMES = ("lon", "longitude", "x", "rlon")


class RasterRefused(PlatformError):
    """A raster file that the platform will not read (format, size, CRS, or damaged)."""

    code = "raster_refused"
    status = 400


class RasterTooLarge(RasterRefused):
    """A raster whose declared size is above the pixel cap."""

    code = "raster_too_large"
    status = 413


def sniff(path: str | os.PathLike) -> str:
    """The format of a local raster file from its first bytes: "tiff", "netcdf" or "hdf5"."""
    text = os.fspath(path)
    if "://" in text or text.startswith("/vsi"):
        message = _("Chỉ đọc tệp raster trên máy, không nhận đường link hay đường dẫn ảo của GDAL")
        raise RasterRefused(message, field="path")
    file = Path(text)
    if not file.is_file():
        raise RasterRefused(_("Không có tệp raster %(name)s") % {"name": file.name}, field="path")
    with file.open("rb") as handle:
        head = handle.read(8)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    message = _("%(name)s: không phải tệp GeoTIFF, NetCDF hay HDF5 (định dạng bị từ chối)") % {"name": file.name}
    raise RasterRefused(message, field="path")


@contextlib.contextmanager
def open_checked(
    path: str | os.PathLike,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    allowed_drivers: tuple[str, ...] | list[str] = DEFAULT_DRIVERS,
    variable: str | None = None,
) -> Iterator[rasterio.io.DatasetReader]:
    """Open a local raster safely and yield a rasterio dataset with a CRS, within the pixel cap.

    NetCDF/HDF5 grids are read through xarray (``variable`` picks one; default: the only 2-D
    data variable), normalised north-up in -180..180 and yielded as an in-memory GeoTIFF.
    """
    kind = sniff(path)
    allowed = set(allowed_drivers)
    admitted = _FORMAT_DRIVERS[kind] & allowed
    if not admitted:
        message = _("%(name)s: ở đây không nhận tệp %(kind)s") % {"name": Path(path).name, "kind": kind}
        raise RasterRefused(message, field="path")
    if kind == "tiff":
        with _open_tiff(os.fspath(path), max_pixels) as ds:
            yield ds
        return
    grid, transform, crs, nodata = _read_netcdf(os.fspath(path), variable, max_pixels)
    with _as_memory_tiff(grid, transform, crs, nodata) as ds:
        yield ds


@contextlib.contextmanager
def _open_tiff(path: str, max_pixels: int) -> Iterator[rasterio.io.DatasetReader]:
    name = Path(path).name
    with rasterio.Env(**_SAFE_GDAL):
        try:
            # Only the GTiff driver may answer: a VRT or anything else renamed .tif fails here.
            ds = rasterio.open(path, driver="GTiff")
        except RasterioError as exc:
            message = _("%(name)s: không mở được như một GeoTIFF (%(detail)s)")
            raise RasterRefused(message % {"name": name, "detail": _short(exc)}, field="path") from exc
        try:
            if ds.driver not in {"GTiff", "COG"}:
                message = _("%(name)s: không cho phép trình đọc %(driver)s") % {"name": name, "driver": ds.driver}
                raise RasterRefused(message, field="path")
            _check_pixels(name, ds.width, ds.height, ds.count, max_pixels)
            if ds.crs is None:
                message = _("%(name)s: raster cần có hệ toạ độ (CRS); tệp không khai báo hệ nào") % {"name": name}
                raise RasterRefused(message, field="crs")
            check_crs(ds.crs, name)
            yield ds
        finally:
            ds.close()


# Words of a CRS definition that make PROJ read a file or describe no place on Earth.
_CRS_REFUSED_WORDS = (
    "nadgrids",
    "geoidgrids",
    "gridshift",
    "tinshift",
    "deformation",
    "grids=",
    "init=",
    "pipeline",
    "parameterfile",
    "engcrs",
    "engineeringcrs",
    "edatum",
    "local_cs",
    "local_datum",
)
# Datum shifts that are only numbers (TOWGS84): VN-2000 definitions carry one.
_NUMERIC_SHIFTS = ("helmert", "position vector", "coordinate frame", "geocentric translation")


def _crs_texts(dataset, array) -> list[str]:
    """Every text of a NetCDF file that could define its CRS (grid mapping and global attributes)."""
    texts = [str(v) for k, v in dataset.attrs.items() if any(w in k.lower() for w in ("crs", "proj", "spatial_ref"))]
    mapping = array.attrs.get("grid_mapping") or array.encoding.get("grid_mapping")
    for var in {mapping, "spatial_ref", "crs"} - {None}:
        if var in dataset.variables:
            texts.extend(str(v) for v in dataset[var].attrs.values())
    return texts


def _check_crs_texts(name: str, texts: list[str]) -> None:
    for text in texts:
        lowered = text.lower()
        hit = next((w for w in _CRS_REFUSED_WORDS if w in lowered), None)
        if hit:
            message = _("%(name)s: hệ toạ độ chứa '%(word)s': chỉ nhận mã EPSG hoặc WKT hệ địa lý/phẳng thông thường")
            raise RasterRefused(message % {"name": name, "word": hit}, field="crs")


def netcdf_crs(dataset, array, name: str):
    """The CRS a NetCDF variable declares, checked as plain geographic/projected; refused without one."""
    _check_crs_texts(name, _crs_texts(dataset, array))
    crs = array.rio.crs
    if crs is None:
        message = _(
            "%(name)s: lưới cần có hệ toạ độ (CRS) (biến %(variable)s không có grid_mapping); hệ thống không tự đoán"
        )
        raise RasterRefused(message % {"name": name, "variable": array.name}, field="crs")
    check_crs(crs, name)
    return crs


def grid_dims(array) -> tuple[str | None, str | None]:
    """The latitude/y and longitude/x dimensions of a NetCDF variable (None when absent)."""
    return _find_dim(array, _LAT_NAMES), _find_dim(array, _LON_NAMES)


def check_crs(crs, name: str) -> None:
    """Refuse a CRS that is not a plain geographic or projected one (engineering, file-reading, pipelines)."""
    from pyproj import CRS as ProjCRS

    wkt = crs.to_wkt()
    _check_crs_texts(name, [wkt])
    message = _("%(name)s: chỉ nhận mã EPSG hoặc WKT hệ địa lý/phẳng thông thường (không nhận %(kind)s)")
    try:
        parsed = ProjCRS.from_wkt(wkt)
    except Exception as exc:  # pyproj raises CRSError and others for odd definitions
        raise RasterRefused(message % {"name": name, "kind": _short(exc)}, field="crs") from exc
    if parsed.is_bound:
        op = parsed.coordinate_operation
        method = (op.method_name if op else "").lower()
        files = [p for p in (op.params if op else []) if "file" in p.name.lower()]
        if files or not any(word in method for word in _NUMERIC_SHIFTS):
            raise RasterRefused(message % {"name": name, "kind": method or parsed.type_name}, field="crs")
        parsed = parsed.source_crs
    if parsed.is_engineering or not (parsed.is_projected or parsed.is_geographic):
        raise RasterRefused(message % {"name": name, "kind": parsed.type_name}, field="crs")


def _check_pixels(name: str, width: int, height: int, count: int, max_pixels: int) -> None:
    total = int(width) * int(height) * max(int(count), 1)
    if total > max_pixels:
        message = _("%(name)s: %(size)s = %(total)s điểm ảnh, vượt giới hạn %(max)s")
        size = f"{width}x{height}x{count}"
        raise RasterTooLarge(message % {"name": name, "size": size, "total": total, "max": max_pixels}, field="path")


def _unreadable(name: str, exc: Exception) -> RasterRefused:
    message = _("%(name)s: không đọc được dữ liệu (%(detail)s)") % {"name": name, "detail": _short(exc)}
    return RasterRefused(message, field="path")


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _read_netcdf(path: str, variable: str | None, max_pixels: int):
    """Read one grid variable from NetCDF through xarray, refusing it without a defined CRS."""
    import rioxarray  # noqa: F401  (registers the .rio accessor)
    import xarray as xr

    name = Path(path).name
    try:
        dataset = xr.open_dataset(path, decode_coords="all", mask_and_scale=True, cache=False)
    except Exception as exc:  # xarray raises many types for a damaged or foreign file
        message = _("%(name)s: không đọc được như NetCDF (%(detail)s)")
        raise RasterRefused(message % {"name": name, "detail": _short(exc)}, field="path") from exc
    with dataset:
        array = _pick_variable(dataset, variable, name)
        lat = _find_dim(array, _LAT_NAMES)
        lon = _find_dim(array, _LON_NAMES)
        if lat is None or lon is None:
            message = _("%(name)s: biến %(variable)s không có chiều vĩ độ/kinh độ (y/x)")
            raise RasterRefused(message % {"name": name, "variable": array.name}, field="variable")
        extra = [d for d in array.dims if d not in (lat, lon)]
        if any(array.sizes[d] != 1 for d in extra):
            message = _("%(name)s: biến %(variable)s có nhiều hơn một lát theo %(dims)s")
            values = {"name": name, "variable": array.name, "dims": ", ".join(str(d) for d in extra)}
            raise RasterRefused(message % values, field="variable")
        _check_pixels(name, array.sizes[lon], array.sizes[lat], 1, max_pixels)
        if lat not in array.coords or lon not in array.coords:
            # Without coordinate variables xarray numbers the cells 0, 1, 2…: that is no place on Earth.
            message = _("%(name)s: biến %(variable)s không có toạ độ cho chiều %(dims)s")
            values = {"name": name, "variable": array.name, "dims": f"{lat}/{lon}"}
            raise RasterRefused(message % values, field="variable")
        # The CRS texts are checked before PROJ parses them: a +nadgrids= path is opened on parsing.
        _check_crs_texts(name, _crs_texts(dataset, array))
        # rioxarray finds only a CRS the file declares (grid_mapping / spatial_ref); it never guesses.
        crs = array.rio.crs
        if crs is None:
            message = _(
                "%(name)s: lưới cần có hệ toạ độ (CRS) (biến %(variable)s không có grid_mapping); "
                "hệ thống không tự đoán"
            )
            raise RasterRefused(message % {"name": name, "variable": array.name}, field="crs")
        check_crs(crs, name)
        array = array.squeeze(drop=True).transpose(lat, lon)
        array = _normalise_axes(array, lat, lon, crs.is_geographic)
        try:
            values = np.asarray(array.values)
        except Exception as exc:  # a truncated HDF5 chunk surfaces only when read
            raise _unreadable(name, exc) from exc
        ys = array[lat].values.astype("float64")
        xs = array[lon].values.astype("float64")
        nodata = array.encoding.get("_FillValue")
        return values, _transform_of(xs, ys, name), crs, nodata


def _pick_variable(dataset, variable: str | None, name: str):
    if variable is not None:
        if variable not in dataset.data_vars:
            message = _("%(name)s: không có biến %(variable)s") % {"name": name, "variable": repr(variable)}
            raise RasterRefused(message, field="variable")
        return dataset[variable]
    grids = [v for v in dataset.data_vars.values() if v.ndim >= 2]
    if len(grids) != 1:
        names = sorted(str(v.name) for v in grids)
        message = _("%(name)s: hãy chọn một biến lưới trong số: %(variables)s")
        raise RasterRefused(message % {"name": name, "variables": ", ".join(names)}, field="variable")
    return grids[0]


def _find_dim(array, names: tuple[str, ...]) -> str | None:
    for dim in array.dims:
        if str(dim).lower() in names:
            return dim
    return None


def _normalise_axes(array, lat: str, lon: str, geographic: bool):
    """North-up rows; geographic longitudes wrapped from 0..360 into -180..180 and sorted."""
    if geographic:
        wrapped = ((array[lon] + 180.0) % 360.0) - 180.0
        array = array.assign_coords({lon: wrapped}).sortby(lon)
    else:
        array = array.sortby(lon)
    return array.sortby(lat, ascending=False)


def _transform_of(xs: np.ndarray, ys: np.ndarray, name: str):
    if xs.size < 2 or ys.size < 2:
        raise RasterRefused(_("%(name)s: lưới cần ít nhất 2x2 ô") % {"name": name}, field="variable")
    dx = np.diff(xs)
    dy = -np.diff(ys)
    if not (np.allclose(dx, dx[0], rtol=1e-4) and np.allclose(dy, dy[0], rtol=1e-4)) or dx[0] <= 0 or dy[0] <= 0:
        raise RasterRefused(_("%(name)s: các ô của lưới không cách đều nhau") % {"name": name}, field="variable")
    return from_origin(xs[0] - dx[0] / 2, ys[0] + dy[0] / 2, float(dx[0]), float(dy[0]))


@contextlib.contextmanager
def _as_memory_tiff(values: np.ndarray, transform, crs, nodata) -> Iterator[rasterio.io.DatasetReader]:
    """Hand a normalised grid to callers as a rasterio dataset, the same shape as a GeoTIFF."""
    if np.issubdtype(values.dtype, np.floating) and nodata is None:
        nodata = float("nan")
    profile = {
        "driver": "GTiff",
        "width": values.shape[1],
        "height": values.shape[0],
        "count": 1,
        "dtype": values.dtype,
        "crs": crs,
        "transform": transform,
        "nodata": nodata,
    }
    if np.issubdtype(values.dtype, np.floating) and nodata is not None and not np.isnan(nodata):
        values = np.where(np.isnan(values), nodata, values)
    with MemoryFile() as memory:
        with memory.open(**profile) as writer:
            writer.write(values, 1)
        with memory.open() as ds:
            yield ds


def read_masked(ds, band: int = 1, *, window=None) -> np.ma.MaskedArray:
    """Read one band with its fill values masked; a damaged file becomes RasterRefused."""
    try:
        data = ds.read(band, masked=True, window=window)
    except RasterioError as exc:
        raise _unreadable(Path(ds.name).name, exc) from exc
    if np.issubdtype(data.dtype, np.floating):
        data = np.ma.masked_invalid(data)
    return data


def summarise(ds, data: np.ma.MaskedArray | None = None) -> dict:
    """Facts about a band for the record: valid-pixel statistics and the nodata flags."""
    if data is None:
        data = read_masked(ds)
    valid = data.compressed()
    facts = {
        "nodata_defined": ds.nodata is not None,
        "all_nodata": valid.size == 0,
        "valid_pixels": int(valid.size),
        "pixels": int(data.size),
    }
    if valid.size:
        facts.update(min=float(valid.min()), max=float(valid.max()), mean=float(valid.mean()))
    return facts


def bounds_4326(ds) -> list[float]:
    """The dataset's bounds as [west, south, east, north] in EPSG:4326."""
    from rasterio.warp import transform_bounds

    return [float(v) for v in transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=21)]
