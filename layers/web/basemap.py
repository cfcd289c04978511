"""The offline base map: PNG tiles of the district DEM's hillshade with boundaries, rivers and names.

Tiles are rendered on demand from the latest RasterAsset of kind "dem" and the places layers, and
cached on disk under DATA_DIR/basemap-cache/<stamp>/ where the stamp changes with the data.
"""

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db import connection
from rasterio.errors import RasterioError

from geoplatform.errors import PlatformError
from ingest.models import RasterAsset
from layers.places.models import Commune, River, Village

from . import basemap_draw, terrain, tilemath

SIZE = tilemath.TILE_SIZE
# Part of the cache key: bump it whenever the drawing changes, so no tile of an older drawing is served again.
RENDER_VERSION = "2"
logger = logging.getLogger(__name__)


class BadTile(PlatformError):
    """A tile address outside the pyramid."""

    code = "bad_tile"


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
        "offlineAttribution": gettext("Địa hình: DEM huyện; ranh giới, sông, thôn: geoplatform"),
    }


def latest_dem() -> RasterAsset | None:
    """The DEM the base map is shaded from: the newest RasterAsset of kind "dem"."""
    return RasterAsset.objects.filter(kind="dem").order_by("-created_at", "-pk").first()


def stamp(dem: RasterAsset | None) -> str:
    """A short key that changes whenever the DEM or the drawn places change (cache invalidation).

    It hashes content, not row ids, so the same district loaded again reuses its cached tiles.
    """
    parts = [RENDER_VERSION]
    parts.append(json.dumps([dem.path, dem.width, dem.height, dem.bounds, dem.stats, _size(dem.path)]) if dem else "-")
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


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def cache_root() -> Path:
    """Folder of cached tiles."""
    return Path(settings.DATA_DIR) / "basemap-cache"


def tile(z: int, x: int, y: int) -> bytes:
    """PNG bytes of base-map tile z/x/y, from the disk cache when it is there."""
    try:
        tilemath.check(z, x, y, max_zoom())
    except tilemath.TileOutOfRange as exc:
        raise BadTile(str(exc), field="z/x/y") from exc
    dem = latest_dem()
    path = cache_root() / stamp(dem) / str(z) / str(x) / f"{y}.png"
    if path.exists():
        return path.read_bytes()
    png = render(dem, z, x, y)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename so a concurrent reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(png)
    os.replace(tmp, path)
    return png


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
