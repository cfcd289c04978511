"""Export view: /api/layers/<slug>/export.<fmt> with the feature API's filters.

The matching rows are counted first, so a request above the cap is refused before a row is read;
GeoJSON is then streamed from a server-side cursor, the other formats are built by ``exports``.
A signed-in reader asking for more than the cap (or for ``?background=1``) gets a background job
instead (202 and a status URL; layers.jobs); anonymous callers keep the 413.
"""

from django.db import connection, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from layers.jobs import services as job_services
from layers.jobs import views as job_views

from . import columns, exports, params, sql
from .access import layer_for, read_only
from .errors import NotAcceptable

STREAM_ROWS = 2000  # features a piece of a streamed GeoJSON export
STREAM_ABOVE = 5000  # smaller exports are sent whole (with their length), larger GeoJSON is streamed


def matching(layer, query, cap: int) -> int:
    """How many features match, counted no further than ``cap + 1`` (never reads the rows themselves)."""
    clause, args = sql.where(layer, query)
    statement = f"SELECT count(*) FROM (SELECT 1 FROM {sql.table(layer)} t WHERE {clause} LIMIT %s) s"  # noqa: S608 - registry identifiers only
    with connection.cursor() as cursor:
        cursor.execute(statement, [*args, cap + 1])
        return cursor.fetchone()[0]


def _geojson(layer, cols, query):
    """The FeatureCollection in pieces of STREAM_ROWS features, read through a server-side cursor."""
    clause, args = sql.where(layer, query)
    statement = (
        f"SELECT {sql.feature_sql(layer, cols, query.out_srid, query.out_lat_first)}::text FROM {sql.table(layer)} t "  # noqa: S608
        f"WHERE {clause} ORDER BY {sql.order_by(layer, query)} LIMIT %s"
    )
    yield ('{"type":"FeatureCollection","name":"' + layer.slug + '","features":[').encode()
    first = True
    with transaction.atomic(), connection.connection.cursor(name="export_features") as server:
        server.execute(statement, [*args, exports.MAX_ROWS])
        while rows := server.fetchmany(STREAM_ROWS):
            text = ",".join(row[0] for row in rows)
            yield (text if first else "," + text).encode()
            first = False
    yield b"]}"


@read_only
def export(request, slug, fmt):
    """Download the matching features of a layer as GeoJSON, GeoPackage, zipped Shapefile, CSV or KML."""
    layer = layer_for(slug, request.user)
    if fmt not in exports.CONTENT_TYPES:
        message = _("Không có định dạng xuất %(format)s; hãy dùng một trong: %(formats)s")
        raise NotAcceptable(message % {"format": repr(fmt[:20]), "formats": ", ".join(exports.CONTENT_TYPES)})
    given = request.GET.copy()
    background = given.pop("background", [""])[-1].strip().lower() in {"1", "true", "yes", "on"}
    query = params.parse(layer, request.user, given)
    # Count first: above the cap the answer is a refusal that never reads a row into memory.
    found = matching(layer, query, exports.MAX_ROWS)
    if request.user.is_authenticated and (background or found > exports.MAX_ROWS):
        job = job_services.start_export(layer, request.user, fmt, {k: given.getlist(k) for k in given})
        return job_views.accepted(request, job)
    if found > exports.MAX_ROWS:
        raise exports._too_many()
    if fmt == "geojson" and found > STREAM_ABOVE:
        stream = _geojson(layer, columns.visible(layer, request.user), query)
        response = StreamingHttpResponse(stream, content_type=exports.CONTENT_TYPES[fmt])
        filename = f"{layer.slug}.geojson"
    else:
        data, content_type, filename = exports.export(layer, request.user, query, fmt)
        response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
