"""The GeoJSON feature API: filters, ordering, paging and hostile query strings."""

import json

import pytest

from .conftest import TOWN


def get(client, url, **params):
    response = client.get(url, params)
    return response, json.loads(response.content)


def names(collection):
    return [f["properties"]["name"] for f in collection["features"]]


def test_collection_is_geojson_built_by_postgis(world, client):
    response, body = get(client, "/api/layers/villages/features/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == 3
    assert body["next"] is None and body["prev"] is None
    feature = body["features"][0]
    assert feature["type"] == "Feature" and isinstance(feature["id"], int)
    assert feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"] == pytest.approx([TOWN[0] + 0.001, TOWN[1] + 0.001])
    assert feature["properties"]["commune"] == world["commune"].pk


def test_bbox_filter_and_attribute_filter(world, client):
    _, body = get(client, "/api/layers/villages/features/", bbox="108.2,15.3,108.3,15.4")
    assert sorted(names(body)) == ["Tổ 1", "Tổ 2"]
    _, body = get(client, "/api/layers/villages/features/", has_cultural_house="false")
    assert names(body) == ["Thôn 3"]
    _, body = get(client, "/api/layers/cell-towers/features/", operator="viettel")
    assert [f["properties"]["operator"] for f in body["features"]] == ["viettel"]


def test_datetime_instant_and_intervals(world, client):
    url = "/api/layers/fire-hotspots/features/"
    _, body = get(client, url, datetime="2024-03-02T08:00:00Z")
    assert [f["properties"]["confidence"] for f in body["features"]] == ["nominal"]
    _, body = get(client, url, datetime="2024-03-02T00:00:00Z/..")
    assert body["numberMatched"] == 2
    _, body = get(client, url, datetime="../2024-03-01T23:00:00+07:00")
    assert body["numberMatched"] == 1
    response, body = get(client, url, datetime="yesterday")
    assert response.status_code == 400 and body["error"]["field"] == "datetime"
    response, body = get(client, "/api/layers/villages/features/", datetime="2024-03-02T00:00:00Z")
    assert response.status_code == 400 and body["error"]["message"] == "Lớp villages không có trường thời gian"
    english = client.get("/api/layers/villages/features/", {"datetime": "2024-03-02"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] == "Layer villages has no time field"


def test_sortby_and_paging_with_next_and_prev_links(world, client):
    url = "/api/layers/villages/features/"
    _, body = get(client, url, sortby="-households")
    assert names(body) == ["Tổ 1", "Tổ 2", "Thôn 3"]
    _, body = get(client, url, sortby="households")
    assert names(body) == ["Thôn 3", "Tổ 2", "Tổ 1"]
    _, page1 = get(client, url, sortby="name", limit=2)
    assert page1["numberMatched"] == 3 and page1["numberReturned"] == 2
    assert "offset=2" in page1["next"] and page1["prev"] is None
    page2 = json.loads(client.get(page1["next"]).content)
    assert page2["numberReturned"] == 1 and page2["next"] is None and "offset=0" in page2["prev"]
    assert set(names(page1)) | set(names(page2)) == {"Tổ 1", "Tổ 2", "Thôn 3"}


def test_huge_limit_is_capped_not_refused(world, client):
    response, body = get(client, "/api/layers/villages/features/", limit="1e9")
    assert response.status_code == 200 and body["numberReturned"] == 3
    response, body = get(client, "/ogc/collections/villages/items", limit="1e9", offset="1")
    assert response.status_code == 200 and body["numberReturned"] == 2 and body["numberMatched"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "108.3,15.3,108.2,15.4"}, "bbox"),
        ({"bbox": "nan,15,108,16"}, "bbox"),
        ({"bbox": "0,0,500,10"}, "bbox"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "inf"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"sortby": "holder_name"}, "sortby"),
        ({"sortby": "name;DROP TABLE x"}, "sortby"),
        ({"holder_name": "x"}, "holder_name"),
        ({"households": "5"}, "households"),
        ({"geom__intersects": "POINT(0 0)"}, "geom__intersects"),
        ({"name__regex": ".*"}, "name__regex"),
        ({"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}, "crs"),
        ({"name": "Tổ\x001"}, "name"),
        ({"name": "x" * 5000}, "name"),
    ],
)
def test_hostile_or_malformed_parameters_are_400_naming_the_field(world, client, params, field):
    url = "/api/layers/parcels/features/" if "holder_name" in str(params) else "/api/layers/villages/features/"
    response, body = get(client, url, **params)
    assert response.status_code == 400, body
    assert body["error"]["field"] == field
    # A NUL byte is refused before any parsing, by the guard on all text input.
    expected = "invalid_text" if any("\x00" in v for v in params.values()) else "invalid_parameter"
    assert body["error"]["code"] == expected


@pytest.mark.parametrize(
    ("params", "vietnamese", "english"),
    [
        ({"bbox": "1,2,3"}, "bbox cần 4 số: minx,miny,maxx,maxy", "bbox needs 4 numbers: minx,miny,maxx,maxy"),
        ({"limit": "ten"}, "limit phải là một số", "limit must be a number"),
        ({"sortby": "holder_name"}, "Không sắp xếp được theo 'holder_name'", "Cannot sort by 'holder_name'"),
        ({"bbox-crs": "EPSG:3857"}, "Chỉ phục vụ CRS84", "Only CRS84"),
    ],
)
def test_parameter_errors_speak_the_callers_language(world, client, params, vietnamese, english):
    # Vietnamese by default (the platform's language); English when the client asks for it.
    response = client.get("/api/layers/villages/features/", params)
    assert response.status_code == 400 and vietnamese in response.json()["error"]["message"]
    response = client.get("/api/layers/villages/features/", params, HTTP_ACCEPT_LANGUAGE="en")
    error = response.json()["error"]
    assert english in error["message"] and error["code"] == "invalid_parameter"
    assert not any(word in error["message"] for word in ("phải", "cần", "được"))


def test_private_field_cannot_be_used_to_filter_or_sort_by_anonymous_but_can_by_its_role(world, client, clients):
    response = client.get("/api/layers/parcels/features/", {"sortby": "holder_name"})
    assert response.status_code == 400
    staff = clients["urban_staff"]
    response = staff.get("/api/layers/parcels/features/", {"map_sheet": "12", "sortby": "-parcel_number"})
    body = json.loads(response.content)
    assert [f["properties"]["parcel_number"] for f in body["features"]] == ["35", "34"]
    assert body["features"][1]["properties"]["holder_name"] == "Nguyễn Văn Chủ"


@pytest.mark.parametrize("fid", ["1' OR '1'='1", "0", "-1", "1.5", "99999999999999999999999", "abc"])
def test_feature_ids_that_are_not_plain_integers_are_404_json(world, client, fid):
    for url in (f"/api/layers/villages/features/{fid}/", f"/ogc/collections/villages/items/{fid}"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_unknown_layer_is_404_json_everywhere(client):
    for url in (
        "/api/layers/nope/",
        "/api/layers/nope/features/",
        "/api/layers/nope/features/1/",
        "/api/layers/nope/export.csv",
        "/ogc/collections/nope",
        "/ogc/collections/nope/items",
        "/tiles/nope/1/0/0.pbf",
        "/tiles/nope.json",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["field"] == "layer"


def test_repeated_parameter_is_refused(world, client):
    response = client.get("/api/layers/villages/features/?limit=1&limit=2")
    assert response.status_code == 400 and response.json()["error"]["field"] == "limit"


def test_json_output_keeps_script_text_verbatim_as_data(world, clients):
    body = json.loads(clients["feedback_officer"].get("/api/layers/complaints/features/").content)
    assert body["features"][0]["properties"]["description"].startswith("<script>")


def test_a_bare_date_means_that_whole_day(world, client):
    body = json.loads(client.get("/api/layers/fire-hotspots/features/", {"datetime": "2024-03-02"}).content)
    assert [f["properties"]["confidence"] for f in body["features"]] == ["nominal"]
    body = json.loads(client.get("/ogc/collections/fire-hotspots/items", {"datetime": "2024-03-03"}).content)
    assert [f["properties"]["confidence"] for f in body["features"]] == ["low"]
    for edge in ("9999-12-31", "0001-01-01", "0001-01-01T00:00:00+05:00"):
        response = client.get("/api/layers/fire-hotspots/features/", {"datetime": edge})
        assert response.status_code == 200 and json.loads(response.content)["numberMatched"] == 0, edge


def test_pages_and_tiles_are_planned_without_parallel_workers_and_the_setting_does_not_leak(db):
    from django.db import connection, transaction

    from layers.api import sql

    def settings():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('max_parallel_workers_per_gather'), current_setting('work_mem')")
            return cursor.fetchone()

    before = settings()
    with sql.serial():
        # No workers; memory enough for a cluster tile's cells to be grouped in a hash, not sorted on disk.
        assert settings() == ("0", "32MB")
    assert settings() == before
    assert before[0] != "0" and before[1] != "32MB"
    # Nested in a caller's transaction, the caller's values come back on the way out.
    with transaction.atomic():
        with sql.serial():
            assert settings() == ("0", "32MB")
        assert settings() == before
