"""Creating, changing and deleting features: roles, validation, strict JSON, optimistic locking."""

import base64
import json

import pytest
from django.test import Client

from layers.parcels.models import Parcel
from layers.places.models import Village

from .conftest import TOWN

GEOJSON = "application/geo+json"
BOW_TIE = [[[108.2, 15.3], [108.2, 15.31], [108.21, 15.3], [108.21, 15.31], [108.2, 15.3]]]


def village_feature(world, **props):
    properties = {"name": "Thôn Mới", "commune": world["commune"].pk, "households": 40, "population": 160, **props}
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [TOWN[0], TOWN[1] + 0.01]},
        "properties": properties,
    }


def send(client, method, url, body, content_type=GEOJSON, **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return getattr(client, method)(url, data, content_type=content_type, **extra)


def test_planner_creates_a_village_and_reads_it_back(world, clients):
    response = send(clients["planner"], "post", "/api/layers/villages/features/", village_feature(world))
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["properties"]["name"] == "Thôn Mới"
    assert response["Location"].endswith(f"/api/layers/villages/features/{created['id']}/")
    assert Village.objects.get(pk=created["id"]).geom.x == pytest.approx(TOWN[0])


@pytest.mark.parametrize("role", ["anonymous", "ranger", "urban_staff", "feedback_officer"])
def test_others_cannot_create_villages_and_nothing_is_written(world, clients, role):
    before = Village.objects.count()
    response = send(clients[role], "post", "/api/layers/villages/features/", village_feature(world))
    assert response.status_code == (401 if role == "anonymous" else 403)
    assert response.json()["error"]["code"] in {"not_authenticated", "forbidden"}
    assert Village.objects.count() == before


@pytest.mark.parametrize(
    ("body", "needle", "field"),
    [
        ('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [NaN, 15.3]}}', "NaN", None),
        ('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [Infinity, 15.3]}}', "Infinity", None),
        ('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1e999, 15.3]}}', "vượt quá giới hạn", None),
        ('{"type": "Feature", "a": ' + "[" * 500 + "]" * 500 + "}", "lồng nhau", None),
        ("[" * 100_000 + "]" * 100_000, "lồng nhau", None),
        ('{"type": "Feature", "geometry": ', "JSON sai cú pháp", None),
        ('{"type": "FeatureCollection", "features": []}', "Feature GeoJSON", "type"),
    ],
)
def test_strict_json_refuses_nan_infinity_and_deep_nesting(world, clients, body, needle, field):
    before = Village.objects.count()
    response = send(clients["planner"], "post", "/api/layers/villages/features/", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert needle in error["message"]
    if field:
        assert error["field"] == field
    assert Village.objects.count() == before


def test_oversized_body_is_413_before_parsing(world, clients, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps(village_feature(world, name="x" * 20_000))
    response = send(clients["planner"], "post", "/api/layers/villages/features/", body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize(
    ("change", "field", "needle"),
    [
        ({"properties": {"holder_name": "x"}}, "holder_name", "Thuộc tính không tồn tại hoặc không được sửa"),
        ({"properties": {"households": {"$gt": 1}}}, "households", "giá trị đơn"),
        ({"properties": {"households": -5}}, "households", ""),
        ({"properties": {"commune": 999999}}, "commune", ""),
        (
            {"geometry": {"type": "LineString", "coordinates": [[108.2, 15.3], [108.21, 15.31]]}},
            "geometry",
            "không hợp với lớp “Thôn, tổ dân phố”",
        ),
        ({"geometry": {"type": "Point", "coordinates": [15.3, 108.2]}}, "geometry", "Nằm ngoài huyện"),
        ({"geometry": {"type": "Point", "coordinates": [580000, 1690000]}}, "geometry", "hệ chiếu (mét)"),
        ({"geometry": {"type": "Point", "coordinates": []}}, "geometry", "Điểm đang trống"),
        ({"geometry": {"type": "Raster", "url": "file:///etc/passwd"}}, "geometry", "Kiểu hình GeoJSON"),
        ({"geometry": "POINT(108.2 15.3)"}, "geometry", "đối tượng hình GeoJSON"),
    ],
)
def test_bad_properties_and_geometries_are_400_naming_the_field(world, clients, change, field, needle):
    feature = village_feature(world)
    feature["properties"].update(change.get("properties", {}))
    if "geometry" in change:
        feature["geometry"] = change["geometry"]
    before = Village.objects.count()
    response = send(clients["planner"], "post", "/api/layers/villages/features/", feature)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["field"] == field and needle in error["message"]
    assert Village.objects.count() == before


def test_bow_tie_parcel_is_refused_with_the_place_of_the_self_intersection(world, clients):
    feature = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": BOW_TIE},
        "properties": {"map_sheet": "9", "parcel_number": "1", "land_use_code": "ODT"},
    }
    response = send(clients["urban_staff"], "post", "/api/layers/parcels/features/", feature)
    assert response.status_code == 400
    message = "Hình không hợp lệ: đường viền tự cắt nhau tại kinh độ 108.205, vĩ độ 15.305"
    assert response.json()["error"]["message"] == message
    english = send(clients["urban_staff"], "post", "/api/layers/parcels/features/", feature, HTTP_ACCEPT_LANGUAGE="en")
    error = english.json()["error"]
    assert error["message"] == "Invalid geometry: self-intersection at longitude 108.205, latitude 15.305"
    assert (error["code"], error["field"]) == ("invalid_geometry", "geometry")
    assert not Parcel.objects.filter(map_sheet="9").exists()


def test_parcel_versions_give_409_to_the_second_of_two_editors(world, clients):
    parcel = Parcel.objects.get(parcel_number="34")
    url = f"/api/layers/parcels/features/{parcel.pk}/"
    staff = clients["urban_staff"]
    first = send(staff, "patch", url, {"type": "Feature", "properties": {"address": "Tổ 1", "version": 1}})
    assert first.status_code == 200, first.content
    assert first.json()["properties"]["version"] == 2
    second = send(staff, "patch", url, {"type": "Feature", "properties": {"address": "Tổ 2", "version": 1}})
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["current_version"] == 2 and error["your_version"] == 1
    parcel.refresh_from_db()
    assert parcel.address == "Tổ 1" and parcel.version == 2
    missing = send(staff, "patch", url, {"type": "Feature", "properties": {"address": "Tổ 3"}})
    assert missing.status_code == 428
    by_header = send(staff, "patch", url, {"type": "Feature", "properties": {"address": "Tổ 3"}}, HTTP_IF_MATCH='"2"')
    assert by_header.status_code == 200 and by_header.json()["properties"]["version"] == 3


def test_put_replaces_and_requires_geometry(world, clients):
    parcel = Parcel.objects.get(parcel_number="34")
    url = f"/api/layers/parcels/features/{parcel.pk}/"
    staff = clients["urban_staff"]
    props = {"map_sheet": "12", "parcel_number": "34", "land_use_code": "ONT", "version": 1}
    response = send(staff, "put", url, {"type": "Feature", "properties": props})
    assert response.status_code == 400 and response.json()["error"]["field"] == "geometry"
    # Clear of the other parcels (the desk's rules refuse an overlap).
    square = [[[108.235, 15.355], [108.236, 15.355], [108.236, 15.356], [108.235, 15.356], [108.235, 15.355]]]
    response = send(
        staff,
        "put",
        url,
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": square}, "properties": props},
    )
    assert response.status_code == 200, response.content
    parcel.refresh_from_db()
    assert parcel.land_use_code == "ONT" and parcel.holder_name == "" and parcel.geom.geom_type == "MultiPolygon"


def test_delete_by_editor_and_missing_feature(world, clients):
    village = world["villages"][2]
    response = clients["planner"].delete(f"/api/layers/villages/features/{village.pk}/")
    assert response.status_code == 204
    assert not Village.objects.filter(pk=village.pk).exists()
    assert clients["planner"].delete(f"/api/layers/villages/features/{village.pk}/").status_code == 404


def test_session_writes_need_csrf_but_basic_auth_does_not(world, users):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["planner"])
    response = send(browser, "post", "/api/layers/villages/features/", village_feature(world))
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
    token = base64.b64encode(b"planner_user:pw-for-tests-only").decode()
    script = Client(enforce_csrf_checks=True)
    response = send(
        script, "post", "/api/layers/villages/features/", village_feature(world), HTTP_AUTHORIZATION=f"Basic {token}"
    )
    assert response.status_code == 201
    wrong = base64.b64encode(b"planner_user:nope").decode()
    response = script.get("/api/layers/", HTTP_AUTHORIZATION=f"Basic {wrong}")
    assert response.status_code == 401


def test_editors_get_an_explicit_make_valid_preview_and_nothing_is_written(world, clients):
    url = "/api/layers/parcels/validate/"
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": BOW_TIE}, "properties": {}}
    before = Parcel.objects.count()
    response = send(clients["urban_staff"], "post", url, feature)
    assert response.status_code == 200, response.content
    body = response.json()
    reason = "Hình không hợp lệ: đường viền tự cắt nhau tại kinh độ 108.205, vĩ độ 15.305"
    assert body["valid"] is False and body["reason"] == reason
    assert body["location"] == pytest.approx([108.205, 15.305])
    assert body["preview"]["type"] == "MultiPolygon" and len(body["preview"]["coordinates"]) == 2
    fine = send(clients["urban_staff"], "post", url, {"type": "Point", "coordinates": [108.2, 15.3]})
    assert fine.status_code == 400 and "không hợp với lớp “Thửa đất đô thị”" in fine.json()["error"]["message"]
    # Clear of the other parcels (the desk's rules refuse an overlap).
    square = [[[108.235, 15.355], [108.236, 15.355], [108.236, 15.356], [108.235, 15.356], [108.235, 15.355]]]
    valid = send(clients["urban_staff"], "post", url, {"type": "Polygon", "coordinates": square}).json()
    assert valid["valid"] is True and valid["preview"]["type"] == "MultiPolygon"
    assert Parcel.objects.count() == before
    assert send(clients["ranger"], "post", url, feature).status_code == 403
    assert send(Client(), "post", url, feature).status_code == 401
    assert clients["urban_staff"].get(url).status_code == 405
