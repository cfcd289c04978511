"""OGC API Features Part 4, ETags, history (triggers, context, revert), split, merge and file import of parcels."""

import json

import geopandas
import pytest
import shapely
from django.db import connection

from ingest.imports import ImportRefused, import_file
from layers.parcels import rules
from layers.parcels.models import Lineage, Parcel

from .conftest import feature, rect, send

OGC = "/ogc/collections/parcels/items"
REST = "/api/layers/parcels/features/"


def test_conformance_declares_part_4(client):
    classes = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update" in classes


def test_ogc_part_4_create_replace_update_delete_with_etags(town, staff):
    created = send(staff, "post", OGC, feature(rect(0, 0, 20, 30)))
    assert created.status_code == 201, created.content
    location = created["Location"]
    assert "/ogc/collections/parcels/items/" in location and created["ETag"] == '"1"'
    url = location.split("testserver")[-1]
    read = staff.get(url)
    assert read.status_code == 200 and read["ETag"] == '"1"'
    missing = send(staff, "put", url, feature(rect(0, 0, 20, 20)))
    assert missing.status_code == 428
    replaced = send(staff, "put", url, feature(rect(0, 0, 20, 20), address="Tổ 3"), HTTP_IF_MATCH='"1"')
    assert replaced.status_code == 200, replaced.content
    assert replaced["ETag"] == '"2"' and replaced.json()["properties"]["area_m2"] == pytest.approx(400, abs=0.5)
    stale = send(staff, "put", url, feature(rect(0, 0, 20, 25)), HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale.json()["error"]["current_version"] == 2
    patch = staff.patch(
        url, json.dumps({"properties": {"address": "Tổ 4"}}), "application/merge-patch+json", HTTP_IF_MATCH='"2"'
    )
    assert patch.status_code == 200 and patch.json()["properties"]["address"] == "Tổ 4"
    assert staff.delete(url).status_code == 428
    assert staff.delete(url, HTTP_IF_MATCH='"2"').status_code == 412
    assert staff.delete(url, HTTP_IF_MATCH='"3"').status_code == 204
    assert not Parcel.objects.exists()


def test_ogc_part_4_holds_the_same_rules(first, staff, client):
    overlap = send(staff, "post", OGC, feature(rect(10, 0, 20, 30), parcel_number="2"))
    assert overlap.status_code == 400 and overlap.json()["error"]["code"] == "overlap"
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[108.2, 15.3], [108.2, 15.31], [108.21, 15.3], [108.21, 15.31], [108.2, 15.3]]],
    }
    invalid = send(staff, "post", OGC, {"type": "Feature", "geometry": bow_tie, "properties": {}})
    assert invalid.status_code == 400 and invalid.json()["error"]["preview"]["type"] == "MultiPolygon"
    assert send(client, "post", OGC, feature(rect(100, 0, 20, 30))).status_code == 401
    assert Parcel.objects.count() == 1


def test_rest_delete_needs_if_match_and_keeps_the_reason(first, staff):
    url = f"{REST}{first.pk}/"
    assert staff.get(url)["ETag"] == '"1"'
    assert staff.delete(url).status_code == 428
    assert staff.delete(url + "?reason=Trùng%20thửa", HTTP_IF_MATCH='"1"').status_code == 204
    [deleted] = Parcel.pgh_event_model.objects.filter(pgh_obj_id=first.pk, pgh_label="delete")
    assert deleted.pgh_context.metadata["reason"] == "Trùng thửa"


def test_history_records_every_change_with_user_and_reason_even_plain_sql(first, staff, users):
    url = f"{REST}{first.pk}/?reason=Sửa%20địa%20chỉ"
    assert (
        send(
            staff, "patch", url, {"type": "Feature", "properties": {"address": "Tổ 5"}}, HTTP_IF_MATCH='"1"'
        ).status_code
        == 200
    )
    Parcel.objects.filter(pk=first.pk).update(address="Tổ 6")  # a bulk update
    with connection.cursor() as cursor:
        cursor.execute("UPDATE parcels_parcel SET address = 'Tổ 7' WHERE id = %s", [first.pk])
    versions = staff.get(f"/parcels/api/{first.pk}/history/").json()["versions"]
    assert [v["kind"] for v in versions] == ["insert", "update", "update", "update"]
    assert versions[1]["user"] == users["urban_staff"].username and versions[1]["reason"] == "Sửa địa chỉ"
    assert versions[1]["changed"] == ["address"]
    assert versions[3]["properties"]["address"] == "Tổ 7" and versions[3]["reason"]  # said to be plain SQL
    assert versions[0]["geometry"]["type"] == "MultiPolygon"


def test_revert_makes_a_new_version_from_a_past_one(first, staff):
    url = f"{REST}{first.pk}/"
    smaller = feature(rect(0, 0, 10, 30))
    assert send(staff, "put", url, smaller, HTTP_IF_MATCH='"1"').status_code == 200
    versions = staff.get(f"/parcels/api/{first.pk}/history/").json()["versions"]
    body = {"event": versions[0]["id"], "reason": "Vẽ nhầm"}
    stale = send(staff, "post", f"/parcels/api/{first.pk}/revert/", body, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    done = send(staff, "post", f"/parcels/api/{first.pk}/revert/", body, HTTP_IF_MATCH='"2"')
    assert done.status_code == 200, done.content
    first.refresh_from_db()
    assert first.version == 3 and first.area_m2 == pytest.approx(600, abs=0.5)
    assert len(staff.get(f"/parcels/api/{first.pk}/history/").json()["versions"]) == 3


def test_split_by_a_line_and_merge_back_keep_lineage(first, staff):
    line = shapely.LineString(
        [
            rules.to_lonlat(shapely.Point(rules.to_metric(shapely.Point(108.23, 15.35)).x + 8, y)).coords[0]
            for y in (
                rules.to_metric(shapely.Point(108.23, 15.35)).y - 5,
                rules.to_metric(shapely.Point(108.23, 15.35)).y + 35,
            )
        ]
    )
    body = {"line": json.loads(shapely.to_geojson(line)), "reason": "Tách cho con"}
    response = send(staff, "post", f"/parcels/api/{first.pk}/split/", body, HTTP_IF_MATCH='"1"')
    assert response.status_code == 201, response.content
    children = response.json()["children"]
    assert sorted(round(c["area_m2"]) for c in children) == [240, 360]
    assert {c["label"] for c in children} == {"1/2", "1/3"} and not Parcel.objects.filter(pk=first.pk).exists()
    assert Lineage.objects.filter(parent_id_value=first.pk, operation="split").count() == 2
    parcels = [{"id": c["id"], "etag": '"1"'} for c in children]
    merged = send(staff, "post", "/parcels/api/merge/", {"parcels": parcels, "reason": "Hợp lại"})
    assert merged.status_code == 201, merged.content
    assert merged.json()["area_m2"] == pytest.approx(600, abs=0.5) and merged.json()["label"] == "1/4"
    assert Lineage.objects.filter(child_id=merged.json()["id"], operation="merge").count() == 2


def test_merge_refuses_parcels_that_do_not_touch(first, staff):
    other = send(staff, "post", REST, feature(rect(100, 0, 20, 30), parcel_number="2")).json()
    body = {"parcels": [{"id": first.pk, "etag": '"1"'}, {"id": other["id"], "etag": '"1"'}], "reason": "x"}
    response = send(staff, "post", "/parcels/api/merge/", body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_adjacent"
    assert Parcel.objects.count() == 2


def _gpkg(path, shapes, numbers):
    frame = geopandas.GeoDataFrame(
        {"map_sheet": ["5"] * len(shapes), "parcel_number": numbers, "land_use_code": ["ODT"] * len(shapes)},
        geometry=[rules.to_metric(s) for s in shapes],
        crs="EPSG:5899",
    )
    frame.to_file(path, driver="GPKG")
    return path


def test_import_of_a_vn2000_geopackage_holds_the_rules_all_or_nothing(first, users, tmp_path):
    bad = _gpkg(tmp_path / "bad.gpkg", [rect(30, 0, 20, 30), rect(10, 0, 20, 30)], ["1", "2"])
    with pytest.raises(ImportRefused) as refused:
        import_file(bad, "parcels", user=users["urban_staff"])
    assert "tờ 1 thửa 1" in json.dumps(refused.value.as_dict(), ensure_ascii=False)
    assert Parcel.objects.count() == 1
    good = _gpkg(tmp_path / "cadastre-2026.gpkg", [rect(20.1, 0, 20, 30), rect(60, 0, 20, 30)], ["1", "2"])
    report = import_file(good, "parcels", user=users["urban_staff"])
    assert report.written == 2
    snapped = Parcel.objects.get(map_sheet="5", parcel_number="1")
    assert snapped.area_m2 == pytest.approx(603, abs=1)  # snapped 0.1 m west onto parcel 1/1
    event = Parcel.pgh_event_model.objects.get(pgh_obj_id=snapped.pk)
    assert event.pgh_context.metadata["reason"] == "cadastre-2026.gpkg"


def test_the_migration_recomputes_old_areas_and_communes_outside_history(town):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    from .conftest import geos

    old = Parcel.objects.create(map_sheet="9", parcel_number="1", land_use_code="ODT", geom=geos(rect(0, 0, 20, 30)))
    assert old.area_m2 == 0 and old.commune is None
    migration = importlib.import_module("layers.parcels.migrations.0006_recompute_areas_and_communes")
    migration.recompute(apps, SimpleNamespace(connection=connection))
    old.refresh_from_db()
    assert old.area_m2 == pytest.approx(600, abs=0.5) and old.commune == town["tra_my"]
    assert list(Parcel.pgh_event_model.objects.filter(pgh_obj_id=old.pk).values_list("pgh_label", flat=True)) == [
        "insert"
    ]
