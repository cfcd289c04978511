"""Vector-tile views: /tiles/<slug>/{z}/{x}/{y}.pbf and the TileJSON of each layer."""

import gzip
import hashlib

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from . import links, mvt, params, sql, tilemath
from .access import layer_for, read_only
from .errors import BadParameter

MVT = "application/vnd.mapbox-vector-tile"


def _cache_control(layer, user) -> str:
    # A tile holding a private layer or private fields differs per user: never let a shared cache keep it.
    shared = layer.public and not any(c.private for c in mvt.tile_columns(layer, user))
    return "public, max-age=300" if shared else "private, max-age=300"


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


@read_only
def tile(request, slug, z, x, y):
    """One tile; 204 when empty, 304 when the client's ETag still matches, gzip on request."""
    layer = layer_for(slug, request.user)
    try:
        zoom, col, row = tilemath.parse_address(z, x, y)
    except tilemath.TileAddressError as exc:
        raise BadParameter(_(exc.template) % exc.values, field=exc.part) from None
    # The map sends the same time and attribute filters as to the feature API.
    query = params.parse(layer, request.user, request.GET)
    data = mvt.tile(layer, request.user, zoom, col, row, query)
    cache_control = _cache_control(layer, request.user)
    if not data:
        response = HttpResponse(status=204)
        response["Cache-Control"] = cache_control
        return response
    zipped = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    # One ETag per representation: the gzip body is a different byte sequence.
    etag = '"' + hashlib.blake2b(data, digest_size=16).hexdigest() + ('-gz"' if zipped else '"')
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    elif zipped:
        response = HttpResponse(gzip.compress(data, compresslevel=5), content_type=MVT)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(data, content_type=MVT)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["Vary"] = "Accept-Encoding, Cookie, Authorization"
    return response


@read_only
def tilejson(request, slug):
    """TileJSON 3.0.0 describing the layer's tiles and the fields this user will find in them."""
    layer = layer_for(slug, request.user)
    bbox, _ = sql.extent(layer)
    cols = mvt.tile_columns(layer, request.user)
    lang = "en" if (request.LANGUAGE_CODE or "vi").startswith("en") else "vi"
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
                "fields": {c.name: mvt.tile_type(c) for c in cols},
                "minzoom": layer.min_zoom,
                "maxzoom": min(layer.max_zoom, tilemath.MAX_ZOOM),
            }
        ],
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
