"""Vector tiles: GDAL's MVT driver decodes them, private fields stay out, bad addresses are 400."""

import gzip
import subprocess

import mapbox_vector_tile
import pytest

from layers.api import tilemath

from .conftest import SECRETS, TOWN
from .helpers import leaks, lonlat_tile


def _ogrinfo_tile(tmp_path, data: bytes, z: int, x: int, y: int) -> str:
    # The MVT driver reads the tile's place from a z/x/y.pbf path.
    path = tmp_path / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    result = subprocess.run(["ogrinfo", "-ro", "-al", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_gdal_decodes_a_parcel_tile_without_private_fields_for_anonymous(world, client, clients, tmp_path):
    z = 16
    x, y = lonlat_tile(*TOWN, z)
    response = client.get(f"/tiles/parcels/{z}/{x}/{y}.pbf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["Cache-Control"].startswith("public") and response["ETag"]
    text = _ogrinfo_tile(tmp_path / "anon", response.content, z, x, y)
    assert "Layer name: parcels" in text and "Feature Count: 2" in text
    assert "parcel_number (String) = 34" in text and "MULTIPOLYGON" in text or "POLYGON" in text
    assert "holder_name" not in text and not leaks(response.content, SECRETS)
    staff = clients["urban_staff"].get(f"/tiles/parcels/{z}/{x}/{y}.pbf")
    staff_text = _ogrinfo_tile(tmp_path / "staff", staff.content, z, x, y)
    assert "holder_name (String) = Nguyễn Văn Chủ" in staff_text
    assert staff["ETag"] != response["ETag"]


def test_private_layer_tiles_are_404_for_anonymous_and_private_cache_for_readers(world, client, clients):
    x, y = lonlat_tile(*TOWN, 14)
    assert client.get(f"/tiles/signal-measurements/14/{x}/{y}.pbf").status_code == 404
    response = clients["planner"].get(f"/tiles/signal-measurements/14/{x}/{y}.pbf")
    assert response.status_code == 200 and response["Cache-Control"].startswith("private")


def test_empty_tile_is_204_and_etag_gives_304_and_gzip_on_request(world, client):
    assert client.get("/tiles/villages/14/0/0.pbf").status_code == 204
    x, y = lonlat_tile(*TOWN, 14)
    url = f"/tiles/villages/14/{x}/{y}.pbf"
    first = client.get(url)
    assert first.status_code == 200
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == first.content
    assert "Accept-Encoding" in zipped["Vary"]


def test_parcels_below_their_min_zoom_are_empty(world, client):
    x, y = lonlat_tile(*TOWN, 10)
    assert client.get(f"/tiles/parcels/10/{x}/{y}.pbf").status_code == 204
    assert client.get(f"/tiles/villages/10/{x}/{y}.pbf").status_code == 200


@pytest.mark.parametrize(
    ("z", "x", "y", "part"),
    [
        ("23", "0", "0", "z"),
        ("99999999", "0", "0", "z"),
        ("-1", "0", "0", "z"),
        ("3", "-1", "0", "x"),
        ("3", "0", "8", "y"),
        ("3", "8", "0", "x"),
        ("a", "0", "0", "z"),
        ("3", "1.5", "0", "x"),
        ("3", "0", "1e3", "y"),
    ],
)
def test_impossible_tile_addresses_are_400_json(world, client, z, x, y, part):
    response = client.get(f"/tiles/villages/{z}/{x}/{y}.pbf")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == part


def test_tilejson_points_at_the_tiles_and_lists_visible_fields(world, client):
    body = client.get("/tiles/parcels.json").json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"][0].endswith("/tiles/parcels/{z}/{x}/{y}.pbf")
    assert body["minzoom"] == 13
    assert "holder_name" not in body["vector_layers"][0]["fields"]
    west, south, east, north = body["bounds"]
    assert west < TOWN[0] < east and south < TOWN[1] < north


def test_tile_bounds_match_postgis_tile_envelope(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM ST_TileEnvelope(14, 13117, 7532) e")
        expected = cursor.fetchone()
    assert tilemath.tile_bounds_mercator(14, 13117, 7532) == pytest.approx(expected, abs=1e-6)
    west, south, east, north = tilemath.tile_bounds_lonlat(14, 13117, 7532, margin=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM ST_Transform(ST_TileEnvelope(14, 13117, 7532), 4326) e"
        )
        assert (west, south, east, north) == pytest.approx(cursor.fetchone(), abs=1e-9)


def test_tiles_apply_the_time_and_attribute_filters_the_map_sends(world, client, tmp_path):
    z = 14
    x, y = lonlat_tile(TOWN[0] + 0.01, TOWN[1] + 0.01, z)
    url = f"/tiles/fire-hotspots/{z}/{x}/{y}.pbf"

    def confidences(response):
        assert response.status_code == 200, response.content[:200]
        return sorted(
            f["properties"]["confidence"]
            for f in mapbox_vector_tile.decode(response.content)["fire-hotspots"]["features"]
        )

    assert confidences(client.get(url)) == ["high", "low", "nominal"]
    assert confidences(client.get(url, {"confidence": "high"})) == ["high"]
    assert confidences(client.get(url, {"datetime": "2024-03-02T00:00:00Z/.."})) == ["low", "nominal"]
    assert confidences(client.get(url, {"datetime": "2024-03-02"})) == ["nominal"]
    assert client.get(url, {"confidence": "high", "datetime": "2024-03-02"}).status_code == 204
    response = client.get(url, {"frp__gt": "1"})
    assert response.status_code == 400 and response.json()["error"]["field"] == "frp__gt"


def test_tiles_with_private_fields_are_never_for_shared_caches(world, client, clients):
    x, y = lonlat_tile(*TOWN, 16)
    url = f"/tiles/parcels/16/{x}/{y}.pbf"
    assert client.get(url)["Cache-Control"].startswith("public")
    assert clients["urban_staff"].get(url)["Cache-Control"].startswith("private")
    assert clients["ranger"].get(url)["Cache-Control"].startswith("public")  # sees what anonymous sees


@pytest.mark.parametrize(
    ("header", "zipped"),
    [("gzip", True), ("br, gzip;q=0.5", True), ("gzip;q=0", False), ("identity", False), ("*", True)],
)
def test_gzip_only_when_the_client_accepts_it(world, client, header, zipped):
    x, y = lonlat_tile(*TOWN, 14)
    response = client.get(f"/tiles/villages/14/{x}/{y}.pbf", HTTP_ACCEPT_ENCODING=header)
    assert (response.get("Content-Encoding") == "gzip") is zipped


def test_polygons_are_simplified_by_zoom(world, client):
    from django.contrib.gis.geos import MultiPolygon, Point

    from layers.places.models import ForestArea

    centre = (108.3, 15.4)
    circle = Point(*centre, srid=4326).buffer(0.005, quadsegs=1000)  # 4,000 vertices
    ForestArea.objects.create(name="Rừng tròn", geom=MultiPolygon(circle, srid=4326))
    z = 12
    x, y = lonlat_tile(*centre, z)
    decoded = mapbox_vector_tile.decode(client.get(f"/tiles/forest/{z}/{x}/{y}.pbf").content)["forest"]
    ring = next(f for f in decoded["features"] if f["properties"]["name"] == "Rừng tròn")["geometry"]["coordinates"]
    while isinstance(ring[0][0], list):
        ring = ring[0]
    # Half a pixel of tolerance keeps the circle round with ~50 vertices; snapping alone would leave ~1,400.
    assert 16 < len(ring) < 300


def test_tiles_read_a_stored_web_mercator_column_when_the_layer_names_one(world, client, monkeypatch):
    from dataclasses import replace

    from django.db import connection

    from layers.registry import registry

    x, y = lonlat_tile(*TOWN, 16)
    url = f"/tiles/parcels/16/{x}/{y}.pbf"
    plain = client.get(url).content
    with connection.cursor() as cursor:  # DDL inside the test's transaction: rolled back afterwards
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending deferred checks may block ALTER TABLE
        cursor.execute("ALTER TABLE parcels_parcel ADD COLUMN geom_3857 geometry(MultiPolygon, 3857)")
        cursor.execute("UPDATE parcels_parcel SET geom_3857 = ST_Transform(geom, 3857)")
    monkeypatch.setitem(registry._layers, "parcels", replace(registry.get("parcels"), mercator_column="geom_3857"))
    assert client.get(url).content == plain
    with connection.cursor() as cursor:
        cursor.execute("UPDATE parcels_parcel SET geom_3857 = ST_Translate(geom_3857, 30, 0)")
    moved = client.get(url).content
    assert moved != plain
    assert len(mapbox_vector_tile.decode(moved)["parcels"]["features"]) == 2
