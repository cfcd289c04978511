"""SQL for features, built from allowlisted identifiers and bound parameters only.

GeoJSON is assembled by PostgreSQL (ST_AsGeoJSON, json_build_object, json_agg): serialising
through GEOS objects in Python is several times slower.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from psycopg.adapt import Loader

from layers.registry import Layer

from . import columns
from .params import FeatureQuery

PRECISION = 7  # decimal places of lon/lat: about a centimetre


def _set_local(names) -> str:
    """``set_config`` of each named setting for this transaction only, a %s value each, in order."""
    return ", ".join(f"set_config('{name}', %s, true)" for name in names)


class _Utf8Bytes(Loader):
    """Text as the bytes PostgreSQL sent (Django's connections are UTF8): a page is sent on as it came."""

    def load(self, data) -> bytes:
        return bytes(data)


@contextmanager
def serial(*, transactional: bool = True):
    """Queries planned as settings.READ_PLANNING says (no parallel workers, no JIT, 32 MB), in a transaction.

    On a connection opened with those settings (the web process) nothing is sent for them, and with
    ``transactional=False`` (statements that need no common snapshot, such as a tile's) no transaction
    is opened either: each statement commits by itself, with no SET or COMMIT round trip.
    Otherwise they are set for this transaction only (SET LOCAL); inside a caller's transaction the
    previous values are put back on the way out, and a rollback undoes them by itself.
    """
    if settings.SESSION_READ_PLANNING:
        if not transactional:
            # What connection.cursor() would do first: the per-request health check, then connect.
            connection.close_if_health_check_failed()
            connection.ensure_connection()
            yield
            return
        with transaction.atomic():
            yield
        return
    # Set per transaction (settings.READ_PLANNING says why), unless the connection was opened with them.
    names = list(settings.READ_PLANNING)
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        # One round trip: the values in force (read first, left to right), then the new ones.
        current = ", ".join(f"current_setting('{name}')" for name in names)
        cursor.execute(f"SELECT {current}, {_set_local(names)}", list(settings.READ_PLANNING.values()))
        kept = list(cursor.fetchone()[: len(names)])
        yield
        if nested:
            cursor.execute(f"SELECT {_set_local(names)}", kept)


def qn(name: str) -> str:
    """Quote an identifier that came from the registry or the model, never from a request."""
    return connection.ops.quote_name(name)


def table(layer: Layer) -> str:
    """The quoted table of the layer."""
    return qn(layer.model_class._meta.db_table)


def geom(layer: Layer) -> str:
    """The quoted geometry column of the layer."""
    return "t." + qn(layer.model_class._meta.get_field(layer.geometry_field).column)


def pk(layer: Layer) -> str:
    """The quoted primary-key column."""
    return "t." + qn(layer.model_class._meta.pk.column)


def output_geom(layer: Layer, srid: int = 4326, lat_first: bool = False) -> str:
    """The geometry column in the output CRS (OGC Part 2), axes swapped for lat/lon CRSs."""
    shape = geom(layer) if srid == 4326 else f"ST_Transform({geom(layer)}, {int(srid)})"
    return f"ST_FlipCoordinates({shape})" if lat_first else shape


def feature_sql(layer: Layer, cols: list[columns.Column], srid: int = 4326, lat_first: bool = False) -> str:
    """A json expression for one row of alias ``t`` as a GeoJSON Feature."""
    props = ", ".join(f"'{c.name}', t.{qn(c.column)}" for c in cols)
    return (
        f"json_build_object('type', 'Feature', 'id', {pk(layer)}, "
        f"'geometry', ST_AsGeoJSON({output_geom(layer, srid, lat_first)}, {PRECISION})::json, "
        f"'properties', json_build_object({props}))"
    )


def where(layer: Layer, query: FeatureQuery) -> tuple[str, list]:
    """The WHERE clause (always non-empty) and its parameters."""
    clauses, args = ["TRUE"], []
    if query.bbox:
        minx, miny, maxx, maxy = query.bbox
        # A box with minx > maxx crosses the antimeridian (OGC API Features): two boxes.
        boxes = [query.bbox] if minx <= maxx else [(minx, miny, 180.0, maxy), (-180.0, miny, maxx, maxy)]
        envelope = "ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
        if query.bbox_srid != 4326:
            envelope = f"ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, {int(query.bbox_srid)}), 4326)"
        clauses.append("(" + " OR ".join(f"ST_Intersects({geom(layer)}, {envelope})" for _box in boxes) + ")")
        args.extend(value for box in boxes for value in box)
    if layer.time_field and (query.start or query.end):
        time_col = "t." + qn(columns.column(layer, layer.time_field).column)
        if query.start:
            clauses.append(f"{time_col} >= %s")
            args.append(query.start)
        if query.end:
            clauses.append(f"{time_col} <= %s")
            args.append(query.end)
    for col, value in query.filters:
        clauses.append(f"t.{qn(col.column)} = %s")
        args.append(value)
    for clause, clause_args in query.extra:
        clauses.append(f"({clause})")
        args.extend(clause_args)
    return " AND ".join(clauses), args


def order_by(layer: Layer, query: FeatureQuery) -> str:
    """ORDER BY the requested fields, then the id so that pages are stable."""
    terms = [f"t.{qn(c.column)} {'DESC' if desc else 'ASC'} NULLS LAST" for c, desc in query.order]
    return ", ".join([*terms, pk(layer)])


def page(
    layer: Layer, cols: list[columns.Column], query: FeatureQuery, *, raw: bool = False
) -> tuple[str | bytes, int]:
    """One page of features as the text of a JSON array, and how many it holds.

    ``raw`` gives the array as its UTF-8 bytes, never decoded to str (and encoded back for the response).
    """
    clause, args = where(layer, query)
    sql = (
        f"SELECT coalesce(json_agg(f.feature), '[]'::json)::text, count(*) FROM ("  # noqa: S608 - registry identifiers only
        f"SELECT {feature_sql(layer, cols, query.out_srid, query.out_lat_first)} AS feature "
        f"FROM {table(layer)} t WHERE {clause} "
        f"ORDER BY {order_by(layer, query)} LIMIT %s OFFSET %s) f"
    )
    with connection.cursor() as cursor:
        if raw:
            cursor.cursor.adapters.register_loader("text", _Utf8Bytes)
        cursor.execute(sql, [*args, query.limit, query.offset])
        text, returned = cursor.fetchone()
    return text, returned


def count(layer: Layer, query: FeatureQuery) -> int:
    """How many features match the query's filters."""
    clause, args = where(layer, query)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table(layer)} t WHERE {clause}", args)  # noqa: S608 - registry identifiers only
        return cursor.fetchone()[0]


def one(layer: Layer, cols: list[columns.Column], fid: int, srid: int = 4326, lat_first: bool = False) -> str | None:
    """One feature as JSON text, or None."""
    sql = f"SELECT {feature_sql(layer, cols, srid, lat_first)}::text FROM {table(layer)} t WHERE {pk(layer)} = %s"  # noqa: S608 - registry identifiers only
    with connection.cursor() as cursor:
        cursor.execute(sql, [fid])
        row = cursor.fetchone()
    return row[0] if row else None


def extent(layer: Layer) -> tuple[list[float] | None, list[str | None] | None]:
    """The lon/lat bounding box and the time interval of the whole layer."""
    lo_sql = hi_sql = "NULL"
    if layer.time_field:
        time_col = "t." + qn(columns.column(layer, layer.time_field).column)
        lo_sql, hi_sql = f"min({time_col})", f"max({time_col})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), lo, hi FROM "  # noqa: S608 - registry identifiers only
            f"(SELECT ST_Extent({geom(layer)}) AS e, {lo_sql} AS lo, {hi_sql} AS hi FROM {table(layer)} t) s"
        )
        xmin, ymin, xmax, ymax, lo, hi = cursor.fetchone()
    bbox = [xmin, ymin, xmax, ymax] if xmin is not None else None
    interval = [lo.isoformat() if lo else None, hi.isoformat() if hi else None] if layer.time_field else None
    return bbox, interval
