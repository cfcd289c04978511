"""Vector-tile views: /tiles/<slug>/{z}/{x}/{y}.pbf and the TileJSON of each layer."""

import gzip
import hashlib

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from . import extents, links, mvt, params, tilecache, tilemath
from .access import layer_for, read_only
from .errors import BadParameter

MVT = "application/vnd.mapbox-vector-tile"


def _shared(layer, cols) -> bool:
    # A tile holding a private layer or private fields differs per user: never let a shared cache keep it.
    return layer.public and not any(c.private for c in cols)


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (``gzip;q=0`` refuses it)."""
    for item in header.lower().split(","):
        name, _, rest = item.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            quality = rest.strip().removeprefix("q=").strip() if rest.strip().startswith("q=") else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


def _body(planned, zipped: bool) -> tuple[bytes, bool]:
    """(response body, aggregated) of a planned tile, computed now."""
    result = mvt.run(planned)
    if result.data and zipped:
        return gzip.compress(result.data, compresslevel=5, mtime=0), result.aggregated
    return result.data, result.aggregated


@read_only
def tile(request, slug, z, x, y):
    """One tile; 204 when empty, 304 when the client's ETag still matches, gzip on request.

    Tiles every reader shares come from the shared cache, keyed by the layer's data version, and
    their ETag names that version: a revalidation costs no database work until the data changes.
    """
    layer = layer_for(slug, request.user)
    try:
        zoom, col, row = tilemath.parse_address(z, x, y)
    except tilemath.TileAddressError as exc:
        raise BadParameter(_(exc.template) % exc.values, field=exc.part) from None
    # The map sends the same time and attribute filters as to the feature API.
    query = params.parse(layer, request.user, request.GET)
    cols = mvt.tile_columns(layer, request.user)  # once: the plan and the cache decision use the same
    planned = mvt.plan(layer, request.user, zoom, col, row, query, cols=cols)
    shared = _shared(layer, cols)
    zipped = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    variant = "gz" if zipped else "raw"
    data_version = tilecache.version(layer.slug) if shared else None
    etag = cache_key = None
    if data_version is not None:
        cache_key = tilecache.key(layer.slug, data_version, planned.key() if planned else "below-min-zoom", variant)
        etag = f'"v{data_version}-{cache_key.rsplit(":", 2)[1]}-{variant}"'
        if etag in request.headers.get("If-None-Match", ""):
            return _headers(HttpResponse(status=304), layer, shared, etag, None)
        cached = tilecache.get(cache_key)
        if cached is None:
            body, aggregated = _body(planned, zipped)
            tilecache.put(cache_key, body, aggregated)
        else:
            body, aggregated = cached
    else:
        body, aggregated = _body(planned, zipped)
        if body:
            # One ETag per representation: the gzip body is a different byte sequence.
            etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + ('-gz"' if zipped else '"')
            if etag in request.headers.get("If-None-Match", ""):
                return _headers(HttpResponse(status=304), layer, shared, etag, aggregated)
    if not body:
        response = HttpResponse(status=204)
        del response["Content-Type"]  # no body: no type (never text/html for a tile client)
        return _headers(response, layer, shared, etag if data_version is not None else None, None)
    response = HttpResponse(body, content_type=MVT)
    if zipped:
        response["Content-Encoding"] = "gzip"
    return _headers(response, layer, shared, etag, aggregated)


def _headers(response, layer, shared: bool, etag: str | None, aggregated: bool | None):
    response["Cache-Control"] = "public, max-age=300" if shared else "private, max-age=300"
    if etag:
        response["ETag"] = etag
    if aggregated is not None:
        # Grid clusters with counts instead of the features (too many for one tile).
        response["X-Tile-Aggregated"] = "1" if aggregated else "0"
    if response.status_code != 204:
        response["Vary"] = "Accept-Encoding, Cookie, Authorization"
    return response


@read_only
def tilejson(request, slug):
    """TileJSON 3.0.0 describing the layer's tiles and the fields this user will find in them."""
    layer = layer_for(slug, request.user)
    bbox, _ = extents.extent(layer)  # kept until the layer's data changes
    cols = mvt.tile_columns(layer, request.user)
    lang = "en" if (request.LANGUAGE_CODE or "vi").startswith("en") else "vi"
    fields = {c.name: mvt.tile_type(c) for c in cols}
    body = {
        "tilejson": "3.0.0",
        "name": layer.title(lang),
        "scheme": "xyz",
        "tiles": [links.tile_template(request, layer)],
        "minzoom": layer.min_zoom,
        "maxzoom": min(layer.max_zoom, tilemath.MAX_ZOOM),
        "bounds": bbox or [-180, -85.0511, 180, 85.0511],
        "vector_layers": [
            {
                "id": layer.slug,
                "fields": fields,
                "minzoom": layer.min_zoom,
                "maxzoom": min(layer.max_zoom, tilemath.MAX_ZOOM),
            }
        ],
        # Where more features than a tile may hold touch it, the tile holds grid clusters instead.
        "aggregation": {"count_field": mvt.COUNT_FIELD, "grid": mvt.GRID, "max_bytes": mvt.SIZE_CAP},
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
