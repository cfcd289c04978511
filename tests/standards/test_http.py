"""HTTP as clients read it: CORS on public reads only, WWW-Authenticate, 405 before CSRF, 204 without a type, gzip."""

import gzip

import pytest

from tests.api.helpers import lonlat_tile

ORIGIN = "https://other.example"
PUBLIC_READS = [
    "/ogc",
    "/ogc/collections/villages/items",
    "/tiles/villages.json",
    "/open311/v2/services.json",
    "/api/layers/villages/features/",
]


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_public_reads_allow_any_origin_with_preflight(world, client, path):
    answer = client.get(path, HTTP_ORIGIN=ORIGIN)
    assert answer.status_code == 200 and answer["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in answer  # cookies never go cross-site
    preflight = client.options(
        path,
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept-language",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert (
        "GET" in preflight["Access-Control-Allow-Methods"] and "POST" not in preflight["Access-Control-Allow-Methods"]
    )
    assert "accept-language" in preflight["Access-Control-Allow-Headers"].lower()
    assert int(preflight["Access-Control-Max-Age"]) > 0


def test_writes_and_private_pages_get_no_cors(world, clients):
    staff = clients["admin"]
    preflight = staff.options(
        "/api/layers/villages/features/", HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in preflight
    post = staff.post("/api/layers/villages/features/", "{}", content_type="application/json", HTTP_ORIGIN=ORIGIN)
    assert "Access-Control-Allow-Origin" not in post
    open311 = staff.options("/open311/v2/requests.json", HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in open311
    for path in ("/api/layers/", "/dashboard/", "/accounts/login/"):
        assert "Access-Control-Allow-Origin" not in staff.get(path, HTTP_ORIGIN=ORIGIN)


def test_401_says_how_to_authenticate(world, client):
    answer = client.post("/api/layers/villages/features/", "{}", content_type="application/json")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Basic realm=")
    wrong = client.get("/api/layers/villages/features/", HTTP_AUTHORIZATION="Basic bm86bm8=")
    assert wrong.status_code == 401 and "Basic" in wrong["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/layers/"),
        ("put", "/ogc/collections/villages/items"),
        ("patch", "/api/layers/villages/features/"),
        ("post", "/tiles/villages.json"),
        ("delete", "/api/schema/"),
    ],
)
def test_an_unknown_method_is_405_even_with_a_session(world, clients, method, path):
    for client in (clients["anonymous"], clients["admin"]):
        answer = getattr(client, method)(path)
        assert answer.status_code == 405, (path, answer.status_code, answer.content[:200])
        assert answer["Allow"]


def test_an_empty_tile_below_min_zoom_has_no_html_type(world, client):
    from layers.registry import registry

    layer = next(layer for layer in registry.all() if layer.public and layer.min_zoom > 0)
    x, y = lonlat_tile(108.23, 15.35, layer.min_zoom - 1)
    answer = client.get(f"/tiles/{layer.slug}/{layer.min_zoom - 1}/{x}/{y}.pbf")
    assert answer.status_code == 204
    assert "text/html" not in answer.get("Content-Type", "")


@pytest.mark.parametrize(
    "path",
    [
        "/ogc/collections/villages/items",
        "/ogc/collections/villages",
        "/api/layers/villages/features/",
        "/api/layers/villages/export.csv",
        "/api/layers/villages/export.kml",
        "/api/layers/villages/export.geojson",
        "/open311/v2/services.json",
        "/tiles/villages.json",
        "/ogc/api",
    ],
)
def test_json_geojson_csv_and_kml_are_gzipped_when_accepted(world, client, path):
    from layers.places.models import Village

    # Bodies under 200 bytes are not worth compressing (Django's rule): enough rows to be over it.
    for i in range(10):
        Village.objects.create(commune=world["commune"], name=f"Thôn {i + 10}", geom=f"SRID=4326;POINT(108.23 15.3{i})")
    answer = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert answer.status_code == 200
    assert answer.get("Content-Encoding") == "gzip", (path, answer["Content-Type"])
    body = b"".join(answer.streaming_content) if answer.streaming else answer.content
    assert gzip.decompress(body)
    assert "Accept-Encoding" in answer["Vary"]
