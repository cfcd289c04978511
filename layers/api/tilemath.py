"""Web-Mercator tile arithmetic (no Django): address checks and tile bounds in lon/lat."""

import math
import re

MAX_ZOOM = 22
EXTENT = 4096
BUFFER = 64
_INT = re.compile(r"^-?\d{1,9}$")
_HALF_WORLD = 20037508.342789244  # metres: half the width of the EPSG:3857 square


def gettext_noop(message: str) -> str:
    """Mark a message for the translation catalogue without importing Django (this module is pure)."""
    return message


class TileAddressError(ValueError):
    """A z/x/y that names no tile; ``part`` says which of z, x or y is wrong.

    ``template`` is the Vietnamese catalogue message and ``values`` its placeholders, so the
    view can translate it into the request's language: ``gettext(exc.template) % exc.values``.
    """

    def __init__(self, template: str, part: str, /, **values):
        super().__init__(template % values)
        self.template = template
        self.values = values
        self.part = part


def parse_address(z: str, x: str, y: str, max_zoom: int = MAX_ZOOM) -> tuple[int, int, int]:
    """Three strings from a URL as a valid (z, x, y), or TileAddressError naming the bad part."""
    values = {}
    for part, text in (("z", z), ("x", x), ("y", y)):
        if not _INT.match(text or ""):
            raise TileAddressError(
                gettext_noop("%(part)s phải là số nguyên, nhận được %(value)s"), part, part=part, value=repr(text[:20])
            )
        values[part] = int(text)
    zoom = values["z"]
    if not 0 <= zoom <= max_zoom:
        raise TileAddressError(gettext_noop("z phải nằm trong khoảng 0 đến %(max)s"), "z", max=max_zoom)
    side = 1 << zoom
    for part in ("x", "y"):
        if not 0 <= values[part] < side:
            message = gettext_noop("%(part)s phải nằm trong khoảng 0 đến %(max)s ở mức thu phóng %(zoom)s")
            raise TileAddressError(message, part, part=part, max=side - 1, zoom=zoom)
    return zoom, values["x"], values["y"]


def mercator_to_lonlat(mx: float, my: float) -> tuple[float, float]:
    """EPSG:3857 metres to lon/lat degrees."""
    lon = mx / _HALF_WORLD * 180.0
    lat = math.degrees(2 * math.atan(math.exp(my / _HALF_WORLD * math.pi)) - math.pi / 2)
    return lon, lat


def tile_bounds_mercator(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of a tile in EPSG:3857 metres, like ST_TileEnvelope."""
    size = 2 * _HALF_WORLD / (1 << z)
    minx = -_HALF_WORLD + x * size
    maxy = _HALF_WORLD - y * size
    return minx, maxy - size, minx + size, maxy


def tile_bounds_lonlat(z: int, x: int, y: int, margin: float = BUFFER / EXTENT) -> tuple[float, float, float, float]:
    """Tile bounds in lon/lat, grown by ``margin`` tile widths so buffered edges keep their features.

    Mercator is separable (x depends on lon only, y on lat only), so the lon/lat box of a tile is
    exact; filtering the 4326 column with it lets the existing GiST index do the work.
    """
    minx, miny, maxx, maxy = tile_bounds_mercator(z, x, y)
    pad = (maxx - minx) * margin
    minx, miny = max(minx - pad, -_HALF_WORLD), max(miny - pad, -_HALF_WORLD)
    maxx, maxy = min(maxx + pad, _HALF_WORLD), min(maxy + pad, _HALF_WORLD)
    west, south = mercator_to_lonlat(minx, miny)
    east, north = mercator_to_lonlat(maxx, maxy)
    return west, south, east, north


def simplify_tolerance(z: int) -> float:
    """Metres below which detail is invisible at this zoom: half a pixel of a 4096-unit tile."""
    return 2 * _HALF_WORLD / (1 << z) / EXTENT / 2
