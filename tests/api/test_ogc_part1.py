"""OGC API - Features Part 1 as a client meets it: datetime everywhere, antimeridian, Accept, HTML, extents, slashes."""

import json

import pytest

from layers.fire.models import Hotspot
from layers.registry import registry

ITEMS = "/ogc/collections/{}/items"


def _body(response) -> dict:
    return json.loads(response.content)


@pytest.mark.parametrize("layer", [layer.slug for layer in registry.all() if layer.public])
def test_every_collection_accepts_a_valid_datetime(world, client, layer):
    response = client.get(ITEMS.format(layer), {"datetime": "2024-03-01T00:00:00Z/.."})
    assert response.status_code == 200, response.content[:300]
    assert client.get(ITEMS.format(layer), {"datetime": "not-a-time"}).status_code == 400


def test_a_collection_without_time_selects_nothing_for_a_datetime_and_says_so(world, client):
    # Part 1, /req/core/fc-time-response: only features whose time intersects are returned; villages have none.
    body = _body(client.get(ITEMS.format("villages"), {"datetime": "2024-03-02"}))
    assert body["numberMatched"] == 0 and body["features"] == []
    assert _body(client.get(ITEMS.format("villages")))["numberMatched"] == 3
    collection = client.get("/ogc/collections/villages").json()
    assert "temporal" not in collection.get("extent", {}) and "datetime" in collection["description"]
    timed = _body(client.get(ITEMS.format("fire-hotspots"), {"datetime": "2024-03-02T00:00:00Z/.."}))
    assert timed["numberMatched"] == 2


def test_a_bbox_across_the_antimeridian_is_two_boxes(world, client):
    Hotspot.objects.create(
        source="VIIRS_SNPP_NRT",
        satellite="N",
        instrument="VIIRS",
        acquired_at=world["t0"],
        confidence="low",
        frp=1.0,
        geom="SRID=4326;POINT(179.5 -16.5)",
    )
    Hotspot.objects.create(
        source="VIIRS_SNPP_NRT",
        satellite="N",
        instrument="VIIRS",
        acquired_at=world["t0"],
        confidence="low",
        frp=2.0,
        geom="SRID=4326;POINT(-179.5 -16.5)",
    )
    body = _body(client.get(ITEMS.format("fire-hotspots"), {"bbox": "179,-17,-179,-16"}))
    assert body["numberMatched"] == 2
    assert sorted(f["properties"]["frp"] for f in body["features"]) == [1.0, 2.0]
    # The district is not inside that box.
    assert all(
        f["geometry"]["coordinates"][0] > 170 or f["geometry"]["coordinates"][0] < -170 for f in body["features"]
    )
    assert client.get(ITEMS.format("fire-hotspots"), {"bbox": "179,-16,-179,-17"}).status_code == 400


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    "path",
    ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/villages", ITEMS.format("villages")],
)
def test_accept_header_chooses_json_or_html(world, client, path):
    html = client.get(path, HTTP_ACCEPT=BROWSER)
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert "Accept" in html["Vary"]
    data = client.get(path, HTTP_ACCEPT="application/geo+json, application/json")
    assert data.status_code == 200 and "json" in data["Content-Type"]
    json.loads(data.content)
    assert client.get(path, {"f": "html"})["Content-Type"].startswith("text/html")
    assert "json" in client.get(path, {"f": "json"}, HTTP_ACCEPT=BROWSER)["Content-Type"]
    assert "json" in client.get(path)["Content-Type"]  # no Accept: JSON


def test_html_pages_speak_words_and_map_the_items(world, client):
    page = client.get(ITEMS.format("villages"), {"f": "html"}).content.decode()
    assert "Số hộ" in page and "Có nhà văn hoá" in page  # field names become words
    assert ">households<" not in page and ">has_cultural_house<" not in page
    assert 'id="gp-ogc-map"' in page and "Tổ 1" in page
    features = page.split('id="gp-ogc-features" type="application/json">')[1].split("</script>")[0]
    assert len(json.loads(features)["features"]) == 3
    fid = json.loads(client.get(ITEMS.format("villages")).content)["features"][0]["id"]
    item = client.get(f"{ITEMS.format('villages')}/{fid}", HTTP_ACCEPT=BROWSER).content.decode()
    assert "Dân số" in item and 'id="gp-ogc-map"' in item
    parcels = client.get(ITEMS.format("parcels"), {"f": "html"}).content.decode()
    assert "Nguyễn Văn Chủ" not in parcels  # private fields stay private in HTML too


def test_empty_collections_advertise_no_world_extent(db, client):
    body = client.get("/ogc/collections/villages").json()
    assert "extent" not in body
    for collection in client.get("/ogc/collections").json()["collections"]:
        assert collection.get("extent", {}).get("spatial", {}).get("bbox") != [[-180, -90, 180, 90]]


@pytest.mark.parametrize(
    "path",
    [
        "/ogc/",
        "/ogc/conformance/",
        "/ogc/collections/",
        "/ogc/collections/villages/",
        "/ogc/collections/villages/items/",
        "/ogc/collections/villages/queryables/",
        "/ogc/api/",
    ],
)
def test_trailing_slashes_reach_the_same_resources(world, client, path):
    with_slash = client.get(path)
    without = client.get(path.rstrip("/") or "/ogc")
    assert with_slash.status_code == 200 and without.status_code == 200
    assert with_slash["Content-Type"] == without["Content-Type"]


def test_conformance_lists_what_is_implemented_and_nothing_else(client):
    conforms = set(client.get("/ogc/conformance").json()["conformsTo"])
    base = "http://www.opengis.net/spec/"
    for implemented in (
        "ogcapi-features-1/1.0/conf/core",
        "ogcapi-features-1/1.0/conf/geojson",
        "ogcapi-features-1/1.0/conf/html",
        "ogcapi-features-1/1.0/conf/oas30",
        "ogcapi-features-2/1.0/conf/crs",
        "ogcapi-features-3/1.0/conf/queryables",
        "ogcapi-features-3/1.0/conf/filter",
        "ogcapi-features-3/1.0/conf/features-filter",
        "cql2/1.0/conf/cql2-text",
        "cql2/1.0/conf/cql2-json",
        "cql2/1.0/conf/basic-cql2",
        "cql2/1.0/conf/advanced-comparison-operators",
        "cql2/1.0/conf/basic-spatial-functions",
    ):
        assert base + implemented in conforms
    for missing in (
        "cql2/1.0/conf/temporal-functions",
        "cql2/1.0/conf/spatial-functions",
        "cql2/1.0/conf/functions",
        "ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "cql2/1.0/conf/array-functions",
    ):
        assert base + missing not in conforms
