"""Vector tiles: GDAL's MVT driver decodes them, private fields stay out, bad addresses are 400."""

import gzip
import subprocess

import mapbox_vector_tile
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers.api import tilemath

from .conftest import SECRETS, TOWN, square
from .helpers import leaks, lonlat_tile


def _ogrinfo_tile(tmp_path, data: bytes, z: int, x: int, y: int) -> str:
    # The MVT driver reads the tile's place from a z/x/y.pbf path.
    path = tmp_path / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    result = subprocess.run(["ogrinfo", "-ro", "-al", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _properties(response, slug: str) -> list[set[str]]:
    assert response.status_code == 200, response.content[:200]
    return [set(f["properties"]) for f in mapbox_vector_tile.decode(response.content)[slug]["features"]]


def test_gdal_decodes_a_parcel_tile_carrying_the_id_and_its_tile_fields_only(world, client, clients, tmp_path):
    from layers.parcels.models import Parcel

    z = 16
    x, y = lonlat_tile(*TOWN, z)
    response = client.get(f"/tiles/parcels/{z}/{x}/{y}.pbf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["Cache-Control"].startswith("public") and response["ETag"]
    text = _ogrinfo_tile(tmp_path / "anon", response.content, z, x, y)
    assert "Layer name: parcels" in text and "Feature Count: 2" in text
    assert "parcel_number (String) = 34" in text and "POLYGON" in text
    # The label only: no land-use code, address or area in the tile, and never the holder.
    for absent in ("land_use_code", "address", "area_m2", "map_sheet", "holder_name"):
        assert absent not in text
    assert not leaks(response.content, SECRETS)
    decoded = mapbox_vector_tile.decode(response.content)["parcels"]["features"]
    assert [set(f["properties"]) for f in decoded] == [{"parcel_number"}] * 2
    # The feature id is the parcel's id: the map's popup fetches the rest by it.
    assert {f["id"]: f["properties"]["parcel_number"] for f in decoded} == dict(
        Parcel.objects.values_list("id", "parcel_number")
    )
    # Staff see the same tile (the holder's name is in the popup, fetched with their permissions).
    staff = clients["urban_staff"].get(f"/tiles/parcels/{z}/{x}/{y}.pbf")
    assert staff.content == response.content
    assert "holder_name" not in _ogrinfo_tile(tmp_path / "staff", staff.content, z, x, y)


def test_a_private_tile_field_reaches_its_readers_only(world, client, clients, monkeypatch):
    from dataclasses import replace

    from layers.registry import registry

    parcels = replace(registry.get("parcels"), tile_fields=("parcel_number", "holder_name"))
    monkeypatch.setitem(registry._layers, "parcels", parcels)
    x, y = lonlat_tile(*TOWN, 16)
    url = f"/tiles/parcels/16/{x}/{y}.pbf"
    anonymous = client.get(url)
    assert _properties(anonymous, "parcels") == [{"parcel_number"}] * 2
    assert not leaks(anonymous.content, SECRETS) and anonymous["Cache-Control"].startswith("public")
    staff = clients["urban_staff"].get(url)
    assert {"parcel_number", "holder_name"} in _properties(staff, "parcels")
    assert SECRETS[0].encode() in staff.content
    assert staff["Cache-Control"].startswith("private")  # differs per user: never in a shared cache
    ranger = clients["ranger"].get(url)  # no parcel role: sees what anonymous sees
    assert ranger.content == anonymous.content and ranger["Cache-Control"].startswith("public")
    fields = client.get("/tiles/parcels.json").json()["vector_layers"][0]["fields"]
    assert fields == {"parcel_number": "String"}
    staff_fields = clients["urban_staff"].get("/tiles/parcels.json").json()["vector_layers"][0]["fields"]
    assert staff_fields == {"parcel_number": "String", "holder_name": "String"}


def test_a_layer_without_tile_fields_keeps_every_field_its_reader_may_see(world, client, clients, monkeypatch):
    from dataclasses import replace

    from layers.registry import registry

    layer = replace(registry.get("parcels"), tile_fields=None)
    monkeypatch.setitem(registry._layers, "parcels", layer)
    x, y = lonlat_tile(*TOWN, 16)
    url = f"/tiles/parcels/16/{x}/{y}.pbf"
    anonymous = client.get(url)
    assert _properties(anonymous, "parcels") == [set(layer.public_fields)] * 2
    assert not leaks(anonymous.content, SECRETS)
    staff = clients["urban_staff"].get(url)
    assert _properties(staff, "parcels") == [set(layer.public_fields) | {"holder_name"}] * 2
    assert staff["Cache-Control"].startswith("private")


def test_tiles_carry_times_as_epoch_seconds(world, client):
    from layers.fire.models import Hotspot

    x, y = lonlat_tile(TOWN[0] + 0.01, TOWN[1] + 0.01, 14)
    features = mapbox_vector_tile.decode(client.get(f"/tiles/fire-hotspots/14/{x}/{y}.pbf").content)
    got = {f["id"]: f["properties"]["acquired_at"] for f in features["fire-hotspots"]["features"]}
    expected = {pk: int(at.timestamp()) for pk, at in Hotspot.objects.values_list("id", "acquired_at")}
    assert got == expected and all(isinstance(v, int) for v in got.values())
    fields = client.get("/tiles/fire-hotspots.json").json()["vector_layers"][0]["fields"]
    assert fields["acquired_at"] == "Number" and fields["confidence"] == "String"


def test_declared_tile_fields_hold_what_the_map_draws_and_labels_with():
    from layers.registry import registry

    declared = [layer for layer in registry.all() if layer.tile_fields is not None]
    assert "parcels" in {layer.slug for layer in declared}
    for layer in declared:
        needed = {layer.label_field} - {None}
        if layer.style.get("byAge"):  # the map colours by the time field's age
            needed.add(layer.time_field)
        if layer.style.get("byConfidence"):  # and sizes by confidence
            needed.add("confidence")
        if layer.style.get("byStatus"):  # and colours by status
            needed.add("status")
        assert needed <= set(layer.tile_fields), (layer.slug, needed - set(layer.tile_fields))


def test_tile_fields_must_be_fields_of_the_layer():
    from dataclasses import replace

    from layers.registry import RegistryError, registry

    with pytest.raises(RegistryError, match="tile fields"):
        replace(registry.get("parcels"), tile_fields=("parcel_number", "owner_id"))


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


def test_tilejson_points_at_the_tiles_and_lists_the_tile_fields(world, client, clients):
    body = client.get("/tiles/parcels.json").json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"][0].endswith("/tiles/parcels/{z}/{x}/{y}.pbf")
    assert body["minzoom"] == 13
    assert body["vector_layers"][0]["fields"] == {"parcel_number": "String"}
    staff = clients["urban_staff"].get("/tiles/parcels.json").json()
    assert staff["vector_layers"][0]["fields"] == {"parcel_number": "String"}
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


def test_parcels_keep_a_generated_web_mercator_column_through_orm_writes(world):
    from django.db import connection

    from layers.parcels.models import Parcel

    def drift() -> tuple:
        # How far the stored copy is from transforming the 4326 geometry now (0 when kept in step).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT max(ST_HausdorffDistance(geom_3857, ST_Transform(geom, 3857))), "
                "count(*) FILTER (WHERE geom_3857 IS NULL), min(ST_SRID(geom_3857)) FROM parcels_parcel"
            )
            return cursor.fetchone()

    assert drift() == (0.0, 0, 3857)
    parcel = Parcel.objects.get(parcel_number="34")
    parcel.geom = square(TOWN[0] + 0.002, TOWN[1], 0.0002)
    parcel.save()
    Parcel.objects.bulk_create(
        [Parcel(map_sheet="13", parcel_number=str(n), geom=square(TOWN[0], TOWN[1] + n / 1000, 0.0002)) for n in (1, 2)]
    )
    Parcel.objects.filter(parcel_number="35").update(geom=square(TOWN[0] - 0.002, TOWN[1], 0.0002))
    assert drift() == (0.0, 0, 3857)


def test_tiles_from_the_stored_web_mercator_column_equal_tiles_transformed_per_request(world, client, monkeypatch):
    from dataclasses import replace

    from django.contrib.gis.geos import MultiPolygon, Polygon

    from layers.api import mvt
    from layers.parcels.models import Parcel
    from layers.registry import registry

    layer = registry.get("parcels")
    assert layer.mercator_column == "geom_3857"
    statement = mvt.tile_sql(layer, mvt.tile_columns(layer, None), 16)
    assert "geom_3857" in statement and "ST_Transform" not in statement
    # Two parcels east of the town's z17 tile: one inside its buffer (drawn at the edge), one beyond.
    z = 17
    cx, cy = lonlat_tile(*TOWN, z)
    _, south, east, north = tilemath.tile_bounds_lonlat(z, cx, cy, margin=0)
    pad = (east - tilemath.tile_bounds_lonlat(z, cx - 1, cy, margin=0)[2]) * tilemath.BUFFER / tilemath.EXTENT
    middle = (south + north) / 2
    for number, offset in (("buffer", pad * 0.5), ("beyond", pad * 1.5)):
        ring = Polygon.from_bbox((east + offset, middle, east + offset + pad * 3, middle + pad * 3))
        Parcel.objects.create(map_sheet="99", parcel_number=number, geom=MultiPolygon(ring, srid=4326))
    edge = mvt_labels(client.get(f"/tiles/parcels/{z}/{cx}/{cy}.pbf"))
    assert "buffer" in edge and "beyond" not in edge
    # The town's tiles and their neighbours at several zooms.
    urls = []
    for zoom in (13, 15, 17):
        tx, ty = lonlat_tile(*TOWN, zoom)
        urls += [f"/tiles/parcels/{zoom}/{tx + dx}/{ty + dy}.pbf" for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    stored = [client.get(url) for url in urls]
    assert sum(r.status_code == 200 for r in stored) >= 4
    monkeypatch.setitem(registry._layers, "parcels", replace(layer, mercator_column=None))
    transformed = [client.get(url) for url in urls]
    assert [r.status_code for r in stored] == [r.status_code for r in transformed]
    assert [r.content for r in stored] == [r.content for r in transformed]
    assert mvt_labels(client.get(f"/tiles/parcels/{z}/{cx}/{cy}.pbf")) == edge


def mvt_labels(response) -> list[str]:
    """The parcel numbers in a parcel tile."""
    assert response.status_code == 200, response.content[:200]
    features = mapbox_vector_tile.decode(response.content)["parcels"]["features"]
    return sorted(f["properties"]["parcel_number"] for f in features)


def test_a_signed_in_readers_tile_reads_their_roles_once(world, clients):
    z = 16
    x, y = lonlat_tile(*TOWN, z)
    with CaptureQueriesContext(connection) as queries:
        response = clients["urban_staff"].get(f"/tiles/parcels/{z}/{x}/{y}.pbf")
    assert response.status_code == 200
    # The layer, its fields and its tile fields each ask for the roles: one query answers them all.
    assert sum('"auth_user_groups"' in q["sql"] for q in queries.captured_queries) == 1
