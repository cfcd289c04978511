"""Web Mercator (EPSG:3857) tile arithmetic of the XYZ scheme; no Django, testable alone."""

import math

ORIGIN = 20037508.342789244  # half the equator in Web Mercator metres
TILE_SIZE = 256


class TileOutOfRange(ValueError):
    """z, x or y outside the tile pyramid."""


def check(z: int, x: int, y: int, max_zoom: int) -> None:
    """Refuse a tile address outside 0..max_zoom and 0..2^z-1."""
    if not 0 <= z <= max_zoom:
        raise TileOutOfRange(f"z must be between 0 and {max_zoom}")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise TileOutOfRange(f"x and y must be between 0 and {n - 1} at zoom {z}")


def bounds_3857(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile in Web Mercator metres."""
    size = 2 * ORIGIN / (1 << z)
    west = -ORIGIN + x * size
    north = ORIGIN - y * size
    return west, north - size, west + size, north


def lonlat_to_3857(lon: float, lat: float) -> tuple[float, float]:
    """Project a WGS 84 point to Web Mercator metres."""
    lat = max(min(lat, 85.05112878), -85.05112878)
    mx = lon * ORIGIN / 180.0
    my = math.log(math.tan((90.0 + lat) * math.pi / 360.0)) * ORIGIN / math.pi
    return mx, my


def bounds_lonlat(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile in degrees."""
    west, south, east, north = bounds_3857(z, x, y)

    def lat(my: float) -> float:
        return math.degrees(2 * math.atan(math.exp(my / ORIGIN * math.pi)) - math.pi / 2)

    return west * 180.0 / ORIGIN, lat(south), east * 180.0 / ORIGIN, lat(north)


def to_pixel(lon: float, lat: float, z: int, x: int, y: int, size: int = TILE_SIZE) -> tuple[float, float]:
    """Pixel position of a lon/lat point inside tile (z, x, y); may fall outside 0..size."""
    west, south, east, north = bounds_3857(z, x, y)
    mx, my = lonlat_to_3857(lon, lat)
    return (mx - west) / (east - west) * size, (north - my) / (north - south) * size


def ground_resolution(z: int, lat: float, size: int = TILE_SIZE) -> float:
    """Metres on the ground per pixel at this zoom and latitude."""
    return 2 * ORIGIN / (size * (1 << z)) * math.cos(math.radians(lat))
