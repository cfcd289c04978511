"""HTTP edges of the public APIs: CORS for anonymous reads, and the challenge on every 401.

CORS is granted to any origin, without credentials, and only for GET/HEAD on the public read
paths (OGC API, tiles, TileJSON, Open311 reads, GeoJSON features): a browser on another site can
read what an anonymous visitor may read, and never sends this site's session cookie with it.
"""

import re

from django.http import HttpResponse

PUBLIC_READS = re.compile(r"^/(ogc(/.*)?|tiles/.+|open311/.+|api/layers/[^/]+/features/([^/]+/)?)$")
READ_METHODS = ("GET", "HEAD")
ALLOWED_HEADERS = "Accept, Accept-Language, Accept-Encoding, If-None-Match, If-Modified-Since, Content-Type"
EXPOSED_HEADERS = "Content-Crs, ETag, Link, Retry-After, Content-Language"
MAX_AGE = "86400"
CHALLENGE = 'Basic realm="geoplatform", charset="UTF-8"'


def is_public_read(path: str) -> bool:
    """Whether a path is one of the public read APIs."""
    return bool(PUBLIC_READS.match(path))


class CorsMiddleware:
    """Answer preflights and mark responses of the public read APIs as readable from any origin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        origin = request.META.get("HTTP_ORIGIN")
        public = origin is not None and is_public_read(request.path)
        wanted = request.META.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "").upper()
        if public and request.method == "OPTIONS" and wanted:
            if wanted not in READ_METHODS:
                # A cross-site write is not allowed: an answer without CORS headers makes the browser stop.
                return HttpResponse(status=204)
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = MAX_AGE
            response["Access-Control-Allow-Origin"] = "*"
            del response["Content-Type"]
            return response
        response = self.get_response(request)
        if public and request.method in READ_METHODS:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response


class ChallengeMiddleware:
    """Every 401 names the scheme that works here (RFC 9110 requires WWW-Authenticate)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 401 and not response.has_header("WWW-Authenticate"):
            response["WWW-Authenticate"] = CHALLENGE
        return response
