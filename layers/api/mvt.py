"""Mapbox vector tiles of a layer in one SQL statement (ST_AsMVT over ST_AsMVTGeom), bounded in size.

Rows are picked with ``&&`` against the tile's lon/lat box (grown by the tile buffer; exact, as
Mercator is separable) so the 4326 GiST index does the filtering. A layer with a stored EPSG:3857
copy (``mercator_column``) is drawn from it; otherwise only the rows found are transformed.

Every tile is bounded: when more than the layer's feature cap of rows touch it (hotspots at
z10-12, parcels at z13-14 on a district's data), the same statement returns grid clusters
instead, one point per occupied cell of a GRID x GRID grid with ``point_count`` (how many
features it stands for); such a tile is "aggregated" and the map says so. A detail tile that
still exceeds SIZE_CAP bytes is built again aggregated, so no tile is larger than SIZE_CAP.

Tiles carry the feature id and the layer's ``tile_fields`` (what the map draws and labels with),
never more than the user may see, times as epoch seconds; popups fetch the whole feature by id
from the API. Cluster features carry no id and no field but their count.
"""

from dataclasses import dataclass, replace

import psycopg
from django.db import connection

from layers.registry import Layer

from . import columns, sql, tilemath
from .params import FeatureQuery

POINT_TYPES = {"Point", "MultiPoint"}
# Above these many rows a tile is drawn as grid clusters: enough for every feature a person can
# tell apart on a 256-pixel tile, small enough to stay well under SIZE_CAP (polygons weigh more).
POINT_CAP = 10_000
SHAPE_CAP = 5_000
SIZE_CAP = 500 * 1024  # bytes of an uncompressed tile: a phone on a weak mountain link
GRID = 16  # cells per tile side for clusters (16 screen pixels each on a 256-pixel tile)
COUNT_FIELD = "point_count"


@dataclass(frozen=True)
class Tile:
    """A tile's protobuf bytes and whether it holds grid clusters instead of the features."""

    data: bytes
    aggregated: bool = False


def tile_columns(layer: Layer, user) -> list[columns.Column]:
    """The attribute columns this user's tiles of the layer carry (besides the feature id)."""
    return list(columns.named(layer, layer.tile_fields_for(user)))


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


def feature_cap(layer: Layer) -> int:
    """How many features a detail tile of this layer may hold before it is aggregated."""
    return POINT_CAP if layer.geometry_type in POINT_TYPES else SHAPE_CAP


def tile_box(layer: Layer, z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The tile's lon/lat box grown by the buffer: the statement's (west, south, east, north)."""
    return tilemath.tile_bounds_lonlat(z, x, y)


def _merc(layer: Layer) -> str:
    return f"t.{sql.qn(layer.mercator_column)}" if layer.mercator_column else f"ST_Transform({sql.geom(layer)}, 3857)"


def tile_sql(layer: Layer, cols: list[columns.Column], z: int, filters: str = "TRUE") -> str:
    """The statement for one tile: (aggregated, bytes) in one row.

    Parameters are those of ``tile_params``. The row count (up to the cap) decides, once, which
    branch runs: the detail rows or the grid clusters; the other is never executed.
    """
    # Every unfiltered tile of a zoom runs the same text: built once per layer entry, columns and zoom.
    # Filtered tiles build theirs: the combinations of filters a client can send are too many to keep.
    if filters != "TRUE":
        return _tile_sql(layer, cols, z, filters)
    return layer.memo(("tile_sql", tuple(c.name for c in cols), z), lambda: _tile_sql(layer, cols, z, filters))


def _tile_sql(layer: Layer, cols: list[columns.Column], z: int, filters: str) -> str:
    """The text of ``tile_sql``, built anew."""
    merc = _merc(layer)
    centre = merc
    if layer.geometry_type not in POINT_TYPES:
        centre = f"ST_Centroid({merc})"
        # Below half a pixel nothing shows: drop those vertices before clipping.
        merc = f"ST_Simplify({merc}, {tilemath.simplify_tolerance(z)!r}, true)"
    props = "".join(f", {tile_value(c)} AS {sql.qn(c.name)}" for c in cols)
    table, geom, box = sql.table(layer), sql.geom(layer), "ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
    big = "(SELECT rows FROM n) > %s"
    return (
        "WITH env AS (SELECT ST_TileEnvelope(%s, %s, %s) AS box), "  # noqa: S608 - registry identifiers only
        f"n AS (SELECT count(*) AS rows FROM (SELECT 1 FROM {table} t "
        f"WHERE {geom} && {box} AND {filters} LIMIT %s) s), "
        f"detail AS (SELECT {sql.pk(layer)} AS id, "
        f"ST_AsMVTGeom({merc}, env.box, {tilemath.EXTENT}, {tilemath.BUFFER}, true) AS mvtgeom{props} "
        f"FROM {table} t, env WHERE NOT {big} AND {geom} && {box} AND {filters}), "
        # Each centre computed once (OFFSET 0 keeps the planner from inlining ST_Centroid into the
        # four places x and y are used: it ran four times per parcel of a cluster tile).
        f"centres AS (SELECT ST_X(c) AS x, ST_Y(c) AS y FROM (SELECT {centre} AS c FROM {table} t "
        f"WHERE {big} AND {geom} && {box} AND {filters} OFFSET 0) s OFFSET 0), "
        # Centres rounded to a centimetre and cells in a fixed order: the same rows read in another
        # order (a synchronised sequential scan) give the same bytes, so tiles and ETags are stable.
        f"cells AS (SELECT count(*)::int AS {COUNT_FIELD}, floor((x - %s) / %s) AS i, floor((%s - y) / %s) AS j, "
        "ST_SetSRID(ST_MakePoint(round(avg(x)::numeric, 2), round(avg(y)::numeric, 2)), 3857) AS g "
        "FROM centres GROUP BY 2, 3), "
        f"clusters AS (SELECT ST_AsMVTGeom(g, env.box, {tilemath.EXTENT}, {tilemath.EXTENT // GRID}, true) "
        f"AS mvtgeom, {COUNT_FIELD} FROM cells, env ORDER BY i, j) "
        f"SELECT {big}, CASE WHEN {big} "
        f"THEN (SELECT ST_AsMVT(clusters.*, %s, {tilemath.EXTENT}, 'mvtgeom') FROM clusters WHERE mvtgeom IS NOT NULL) "
        f"ELSE (SELECT ST_AsMVT(detail.*, %s, {tilemath.EXTENT}, 'mvtgeom', 'id') FROM detail "
        "WHERE mvtgeom IS NOT NULL) END"
    )


def tile_params(layer: Layer, z: int, x: int, y: int, args: list, cap: int) -> list:
    """The parameters of ``tile_sql`` in order; ``cap`` -1 forces clusters."""
    box = list(tile_box(layer, z, x, y))
    # Clusters read one whole cell beyond the tile, so a cell on the edge holds the same count in
    # both tiles that draw it (their buffers are one cell wide).
    grown = list(tilemath.tile_bounds_lonlat(z, x, y, margin=1 / GRID))
    minx, _, maxx, maxy = tilemath.tile_bounds_mercator(z, x, y)
    cell = (maxx - minx) / GRID
    return [
        *(z, x, y),
        *box, *args, cap + 1,
        cap, *box, *args,
        cap, *grown, *args,
        minx, cell, maxy, cell,
        cap, cap, layer.slug, layer.slug,
    ]  # fmt: skip


@dataclass(frozen=True)
class Plan:
    """One tile's statement and its parameters (with the cap, and with clusters forced)."""

    statement: str
    params: list
    clustered: list

    def key(self) -> str:
        """Text naming exactly what the statement would read: the tile cache keys on its digest."""
        return self.statement + "\x00" + repr(self.params)


def plan(
    layer: Layer,
    user,
    z: int,
    x: int,
    y: int,
    query: FeatureQuery | None = None,
    *,
    cols: list[columns.Column] | None = None,
) -> Plan | None:
    """The statement of a tile, or None below the layer's min zoom (an empty tile).

    ``query`` carries the same time and attribute filters as the feature API (its bbox, paging
    and ordering do not apply to a tile); ``cols`` are ``tile_columns(layer, user)`` when the
    caller has them already.
    """
    if z < layer.min_zoom:
        return None
    filters, args = "TRUE", []
    if query is not None:
        filters, args = sql.where(layer, replace(query, bbox=None))
    statement = tile_sql(layer, tile_columns(layer, user) if cols is None else cols, z, filters)
    return Plan(statement, tile_params(layer, z, x, y, args, feature_cap(layer)), tile_params(layer, z, x, y, args, -1))


def run(planned: Plan | None) -> Tile:
    """Run a planned tile: the bounded tile (empty when no feature touches it)."""
    if planned is None:
        return Tile(b"")
    # A binary result spares hex-encoding every tile on the server and decoding it here; Django's
    # client-side-binding cursor cannot ask for one, so use a plain psycopg cursor on its connection.
    with sql.serial(transactional=False), psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(planned.statement, planned.params, binary=True)
        aggregated, data = cursor.fetchone()
        if data is not None and len(data) > SIZE_CAP:
            # Under the feature cap yet too heavy (very detailed shapes): clusters instead.
            cursor.execute(planned.statement, planned.clustered, binary=True)
            aggregated, data = cursor.fetchone()
    return Tile(bytes(data or b""), bool(aggregated))


def tile(layer: Layer, user, z: int, x: int, y: int, query: FeatureQuery | None = None) -> Tile:
    """The bounded tile of a layer for this user (see ``plan``)."""
    return run(plan(layer, user, z, x, y, query))
