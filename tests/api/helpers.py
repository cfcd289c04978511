"""Small helpers shared by the API tests."""

import math

from django.db import connection

from layers.registry import Layer


def lonlat_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The x/y of the web-mercator tile holding a lon/lat point."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def anchor(layer: Layer) -> tuple[float, float]:
    """A lon/lat point on the layer's first feature."""
    model = layer.model_class
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface("{layer.geometry_field}") p '  # noqa: S608 - registry identifiers only
            f'FROM "{model._meta.db_table}" ORDER BY id LIMIT 1) s'
        )
        return cursor.fetchone()


def leaks(body: bytes, secrets) -> list[str]:
    """The secrets found in a response body (raw UTF-8 or JSON-escaped)."""
    found = []
    for secret in secrets:
        escaped = secret.encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00")
        if secret.encode() in body or escaped.encode() in body:
            found.append(secret)
    return found
