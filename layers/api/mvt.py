"""Mapbox vector tiles of a layer in one SQL statement (ST_AsMVT over ST_AsMVTGeom).

Rows are picked with ``&&`` against the tile's lon/lat box (grown by the tile buffer; exact, as
Mercator is separable) so the 4326 GiST index does the filtering. A layer with a stored EPSG:3857
copy (``mercator_column``) is drawn from it; otherwise only the rows found are transformed.
Filtering on the 3857 copy instead measured the same on the bench data, so the copy needs no
index of its own (a second GiST index costs every bulk insert about 40%).

Tiles carry the feature id and the layer's ``tile_fields`` (what the map draws and labels with),
never more than the user may see, times as epoch seconds; popups fetch the whole feature by id
from the API.
"""

from dataclasses import replace

import psycopg
from django.db import connection

from layers.registry import Layer

from . import columns, sql, tilemath
from .params import FeatureQuery

POINT_TYPES = {"Point", "MultiPoint"}


def tile_columns(layer: Layer, user) -> list[columns.Column]:
    """The attribute columns this user's tiles of the layer carry (besides the feature id)."""
    return [columns.column(layer, name) for name in layer.tile_fields_for(user)]


def tile_value(col: columns.Column) -> str:
    """The SQL of one attribute in a tile of alias ``t``.

    Times go as whole seconds since 1970 (UTC): MVT has no time type, and a number per feature is
    smaller and cheaper to encode than text that is unique to almost every feature.
    """
    if col.is_time:
        return f"floor(extract(epoch FROM t.{sql.qn(col.column)}))::bigint"
    return f"t.{sql.qn(col.column)}"


def tile_type(col: columns.Column) -> str:
    """The TileJSON type of one attribute as tiles carry it."""
    return "Number" if col.is_time else col.json_type.capitalize()


def tile_box(layer: Layer, z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The tile's lon/lat box grown by the buffer: the statement's (west, south, east, north)."""
    return tilemath.tile_bounds_lonlat(z, x, y)


def tile_sql(layer: Layer, cols: list[columns.Column], z: int, filters: str = "TRUE") -> str:
    """The statement for one tile.

    Parameters are (z, x, y, *tile_box, *the filter clause's parameters, layer name).
    """
    merc = f"t.{sql.qn(layer.mercator_column)}" if layer.mercator_column else f"ST_Transform({sql.geom(layer)}, 3857)"
    if layer.geometry_type not in POINT_TYPES:
        # Below half a pixel nothing shows: drop those vertices before clipping.
        merc = f"ST_Simplify({merc}, {tilemath.simplify_tolerance(z)!r}, true)"
    props = "".join(f", {tile_value(c)} AS {sql.qn(c.name)}" for c in cols)
    return (
        "WITH env AS (SELECT ST_TileEnvelope(%s, %s, %s) AS box), "  # noqa: S608 - registry identifiers only
        f"rows AS (SELECT {sql.pk(layer)} AS id, "
        f"ST_AsMVTGeom({merc}, env.box, {tilemath.EXTENT}, {tilemath.BUFFER}, true) AS mvtgeom{props} "
        f"FROM {sql.table(layer)} t, env "
        f"WHERE {sql.geom(layer)} && ST_MakeEnvelope(%s, %s, %s, %s, 4326) AND {filters}) "
        f"SELECT ST_AsMVT(rows.*, %s, {tilemath.EXTENT}, 'mvtgeom', 'id') FROM rows WHERE mvtgeom IS NOT NULL"
    )


def tile(layer: Layer, user, z: int, x: int, y: int, query: FeatureQuery | None = None) -> bytes:
    """The tile's protobuf bytes (empty when no feature touches it or below the layer's min zoom).

    ``query`` carries the same time and attribute filters as the feature API (its bbox, paging
    and ordering do not apply to a tile).
    """
    if z < layer.min_zoom:
        return b""
    cols = tile_columns(layer, user)
    box = tile_box(layer, z, x, y)
    filters, args = "TRUE", []
    if query is not None:
        filters, args = sql.where(layer, replace(query, bbox=None))
    # A binary result spares hex-encoding every tile on the server and decoding it here; Django's
    # client-side-binding cursor cannot ask for one, so use a plain psycopg cursor on its connection.
    with sql.serial(), psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(tile_sql(layer, cols, z, filters), [z, x, y, *box, *args, layer.slug], binary=True)
        data = cursor.fetchone()[0]
    return bytes(data or b"")
