"""Each layer's extent and time range, kept between requests and worked out again when its data changes.

Working them out reads the whole table (ST_Extent, min/max of the time column); the catalogue,
/ogc/collections and TileJSON would otherwise do so for every layer on every request. A change is
seen through PostgreSQL's own row counters for the table (inserted, updated, deleted: committed
ones, and the asking transaction's own), which cost one catalogue lookup; MAX_AGE bounds how long
a value is trusted should a counter lag behind.
"""

import time

from django.db import connection

from layers.registry import Layer

from . import sql, tilecache

MAX_AGE = 300.0  # seconds
_kept: dict[str, tuple[tuple, float, tuple]] = {}


def _version(layer: Layer) -> tuple:
    """The table's write counters: any insert, update or delete moves them."""
    table = layer.model_class._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.n_tup_ins, s.n_tup_upd, s.n_tup_del, x.n_tup_ins, x.n_tup_upd, x.n_tup_del"
            " FROM pg_stat_user_tables s JOIN pg_stat_xact_user_tables x USING (relid)"
            " WHERE s.relid = to_regclass(%s)",
            [connection.ops.quote_name(table)],
        )
        return tuple(cursor.fetchone() or ())


def extent(layer: Layer) -> tuple[list[float] | None, list[str | None] | None]:
    """The layer's lon/lat box and time interval, as ``sql.extent`` gives them, from memory when unchanged."""
    version = (_version(layer), tilecache.version(layer.slug))  # the Redis counter is bumped at once on commit
    kept = _kept.get(layer.slug)
    now = time.monotonic()
    if kept is not None and kept[0] == version and now - kept[1] < MAX_AGE:
        return kept[2]
    value = sql.extent(layer)
    _kept[layer.slug] = (version, now, value)
    return value


def forget(slug: str | None = None) -> None:
    """Drop what is kept (one layer, or all): for writers that know better than the counters."""
    if slug is None:
        _kept.clear()
    else:
        _kept.pop(slug, None)
