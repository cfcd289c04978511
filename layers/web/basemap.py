"""The offline base map: PNG tiles of the district DEM's hillshade with boundaries, rivers and names.

Tiles are rendered on demand from the latest RasterAsset of kind "dem" and the places layers, and
cached on disk under DATA_DIR/basemap-cache/<stamp>/ where the stamp changes with the data.
"""

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.utils.translation import gettext as _
from rasterio.errors import RasterioError

from geoplatform.errors import PlatformError
from layers.places.models import Commune, District, River, Village
from rasterstore.models import RasterAsset

from . import basemap_draw, terrain, tilemath

SIZE = tilemath.TILE_SIZE
# Part of the cache key: bump it whenever the drawing changes, so no tile of an older drawing is served again.
RENDER_VERSION = "2"
MARGIN_DEGREES = 0.05  # about 5 km of neighbouring land around the district
logger = logging.getLogger(__name__)


class BadTile(PlatformError):
    """A tile address outside the pyramid."""

    code = "bad_tile"


class OutsideExtent(PlatformError):
    """A tile that does not touch the district (and its margin): never rendered nor cached."""

    status = 404
    code = "outside_extent"


def max_zoom() -> int:
    """The deepest zoom the base map serves (the map's own maximum)."""
    return int(settings.LEAFLET_CONFIG.get("MAX_ZOOM", 18))


def client_config() -> dict:
    """What a page's map needs to draw both base maps (web/basemap.js): URLs, default, zoom, credit."""
    from django.utils.translation import gettext

    return {
        "onlineUrl": settings.BASEMAP_URL,
        "offlineUrl": "/basemap/{z}/{x}/{y}.png",
        "default": "offline" if settings.BASEMAP_DEFAULT == "offline" else "online",
        "maxZoom": max_zoom(),
        "minZoom": min_zoom(),
        "offlineBounds": _client_bounds(),
        "offlineAttribution": gettext("Địa hình: DEM huyện; ranh giới, sông, thôn: geoplatform"),
    }


def _client_bounds() -> list:
    """The served extent as Leaflet bounds, a hair inside it: the map never asks for a tile the server refuses."""
    box = extent()
    if box is None:
        # No district loaded yet: the server draws nothing, so a box at the pole (outside every tile) asks for nothing.
        return [[-90, -180], [-90, -180]]
    inset = 1e-6  # float rounding in Leaflet's tile maths must not reach past the server's edge
    return [[box[1] + inset, box[0] + inset], [box[3] - inset, box[2] - inset]]


def latest_dem() -> RasterAsset | None:
    """The DEM the base map is shaded from: the active one (see RasterAsset.activate)."""
    return RasterAsset.active_dem()


def stamp(dem: RasterAsset | None) -> str:
    """A short key that changes whenever the DEM or the drawn places change (cache invalidation).

    It hashes content, not row ids, so the same district loaded again reuses its cached tiles. The
    hash is worked out once per change of the data (see ``fingerprint``), not on every request.
    """
    dem_part = json.dumps([dem.path, dem.width, dem.height, dem.bounds, dem.stats, _size(dem.path)]) if dem else "-"
    key = (RENDER_VERSION, dem_part, fingerprint())
    if _memo.get("stamp_key") != key:
        _memo["stamp"] = _content_stamp(dem_part)
        _memo["stamp_key"] = key
    return _memo["stamp"]


# Per-process memory of the last stamp and extent, keyed by the data they were computed from.
_memo: dict = {}


def fingerprint() -> tuple:
    """A cheap token that changes with every insert, update or delete in the drawn tables.

    Every write makes a new row version (a new xmin, and a new ctid even inside one transaction), so
    these sums catch it without reading a single geometry.
    """
    parts = []
    with connection.cursor() as cursor:
        for model in (District, Commune, River, Village):
            table = connection.ops.quote_name(model._meta.db_table)  # model metadata, never a request
            cursor.execute(
                f"SELECT count(*), coalesce(sum(xmin::text::bigint), 0), coalesce(bit_xor(hashtext(ctid::text)), 0)"  # noqa: S608
                f" FROM {table}"
            )
            parts.append(cursor.fetchone())
    return tuple(parts)


def _content_stamp(dem_part: str) -> str:
    parts = [RENDER_VERSION, dem_part]
    with connection.cursor() as cursor:
        for model in (Commune, River, Village):
            # Table names come from the models' own metadata, never from a request.
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(md5(ST_AsBinary(geom)) || name, ',' ORDER BY name), ''))"  # noqa: S608
                f" FROM {table}"
            )
            count, digest = cursor.fetchone()
            parts.append(f"{count}:{digest}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def extent() -> tuple[float, float, float, float] | None:
    """(west, south, east, north) the base map serves: the district, or its communes, plus a margin."""
    key = fingerprint()
    if _memo.get("extent_key") != key:
        box = District.objects.aggregate(e=Extent("geom"))["e"] or Commune.objects.aggregate(e=Extent("geom"))["e"]
        if box:
            margin = max(MARGIN_DEGREES, (box[2] - box[0]) * 0.1, (box[3] - box[1]) * 0.1)
            box = (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)
        _memo["extent"], _memo["extent_key"] = box, key
    return _memo["extent"]


def min_zoom() -> int:
    """The shallowest zoom the base map serves (the map's own minimum)."""
    return int(settings.LEAFLET_CONFIG.get("MIN_ZOOM", 0))


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def cache_root() -> Path:
    """Folder of cached tiles."""
    return Path(settings.DATA_DIR) / "basemap-cache"


def max_cached_tiles() -> int:
    """How many tiles the disk cache keeps at most (BASEMAP_CACHE_MAX_TILES; about 20 kB each)."""
    return int(getattr(settings, "BASEMAP_CACHE_MAX_TILES", 20_000))


def tile(z: int, x: int, y: int) -> bytes:
    """PNG bytes of base-map tile z/x/y, from the disk cache when it is there."""
    try:
        tilemath.check(z, x, y, max_zoom())
    except tilemath.TileOutOfRange as exc:
        raise BadTile(str(exc), field="z/x/y") from exc
    if z < min_zoom():
        raise BadTile(_("Bản đồ nền chỉ có từ mức thu phóng %(zoom)s") % {"zoom": min_zoom()}, field="z")
    served = extent()
    if served is None or not _overlaps(served, tilemath.bounds_lonlat(z, x, y)):
        message = _("Ô bản đồ nằm ngoài vùng huyện; bản đồ nền chỉ vẽ huyện và vùng giáp ranh")
        raise OutsideExtent(message, field="z/x/y")
    dem = latest_dem()
    folder = cache_root() / stamp(dem)
    path = folder / str(z) / str(x) / f"{y}.png"
    if path.exists():
        return path.read_bytes()
    png = render(dem, z, x, y)
    _store(folder, path, png)
    return png


def _store(folder: Path, path: Path, png: bytes) -> None:
    """Keep a rendered tile unless the cache is full; older stamps' folders are removed on the first write."""
    ledger = folder / "tiles.count"
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for old in cache_root().iterdir():
            if old.is_dir() and old != folder:
                shutil.rmtree(old, ignore_errors=True)  # tiles of data no longer current
    try:
        if ledger.stat().st_size >= max_cached_tiles():
            return  # full: serve the tile without keeping it
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename so a concurrent reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(png)
    os.replace(tmp, path)
    # One byte per kept tile, appended atomically: its size is the count, read with one stat().
    with open(ledger, "ab") as fh:
        fh.write(b".")


def render(dem: RasterAsset | None, z: int, x: int, y: int) -> bytes:
    """Render one tile without the cache."""
    west, south, east, north = tilemath.bounds_lonlat(z, x, y)
    shaded = None
    if dem is not None and _overlaps(dem.bounds, (west, south, east, north)):
        try:
            elevation = warp_dem(dem.path, z, x, y)
        except (RasterioError, OSError, ValueError) as exc:
            # A missing or refused DEM must not take the base map down: draw the vectors alone.
            logger.warning("base map: DEM %s not usable: %s", dem.pk, exc)
            elevation = np.full((1, 1), np.nan)
        if np.isfinite(elevation).any():
            cell = tilemath.ground_resolution(z, (south + north) / 2)
            shaded = terrain.shade_rgba(elevation, cell, z)
    # Labels sit right of their point: look further west so names cut at the edge still show.
    width, height = east - west, north - south
    search = Polygon.from_bbox((west - width * 0.6, south - height * 0.1, east + width * 0.1, north + height * 0.1))
    search.srid = 4326
    tolerance = (east - west) / SIZE  # one pixel, in degrees

    def project(coords):
        return [tilemath.to_pixel(lon, lat, z, x, y) for lon, lat in coords]

    boundaries = []
    for commune in Commune.objects.filter(geom__intersects=search).only("geom"):
        for polygon in _parts(commune.geom.simplify(tolerance, preserve_topology=True)):
            boundaries.extend(project(ring.coords) for ring in polygon)
    rivers = []
    for river in River.objects.filter(geom__intersects=search).only("geom"):
        rivers.extend(project(line.coords) for line in _parts(river.geom.simplify(tolerance)))
    labels = []
    # Most populous first, then by name: every tile that draws a name decides the same way.
    villages = Village.objects.filter(geom__intersects=search).only("name", "geom").order_by("-population", "name")
    for village in villages:
        px, py = tilemath.to_pixel(village.geom.x, village.geom.y, z, x, y)
        labels.append((px, py, village.name))
    return basemap_draw.render(shaded, size=SIZE, boundaries=boundaries, rivers=rivers, labels=labels, zoom=z)


def _parts(geom) -> list:
    """The member geometries of a Multi* geometry, or the single geometry itself (simplify may unwrap)."""
    if geom.empty:
        return []
    return list(geom) if geom.geom_type.startswith("Multi") else [geom]


def _overlaps(a, b) -> bool:
    """Whether two (west, south, east, north) boxes intersect."""
    return bool(a) and a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def warp_dem(path: str, z: int, x: int, y: int) -> np.ndarray:
    """Elevations (float32, NaN where unknown) of tile z/x/y with one extra pixel on each side."""
    import rasterio
    from rasterio.transform import from_bounds
    from rasterio.warp import Resampling, reproject

    west, south, east, north = tilemath.bounds_3857(z, x, y)
    pixel = (east - west) / SIZE
    padded = SIZE + 2
    transform = from_bounds(west - pixel, south - pixel, east + pixel, north + pixel, padded, padded)
    out = np.full((padded, padded), np.nan, dtype="float32")
    # Only GeoTIFF is opened: a VRT or other driver named .tif could reach other files or URLs.
    with rasterio.open(path, driver="GTiff") as src:
        reproject(
            source=rasterio.band(src, 1),
            destination=out,
            src_nodata=src.nodata,
            dst_transform=transform,
            dst_crs="EPSG:3857",
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    return out
