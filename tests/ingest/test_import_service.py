"""The import service, its command line and its upload endpoint: modes, reports, roles, caps."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from ingest import imports, vector
from ingest.models import IngestRun
from layers.parcels.models import Parcel
from layers.places.models import Village

from .conftest import BOW_TIE, square, write_ogr

ROOT = Path(__file__).resolve().parents[2]
BOW_TIE_REASON = "Hình không hợp lệ: đường viền tự cắt nhau tại kinh độ 108.201, vĩ độ 15.301"
BOW_TIE_REASON_EN = "Invalid geometry: self-intersection at longitude 108.201, latitude 15.301"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The role users are made here by the dozen: a cheap hasher keeps the suite within its budget."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def geojson_file(path: Path, features: list[tuple], crs: dict | None = None) -> Path:
    """A FeatureCollection of (geometry mapping or raw JSON text, properties)."""
    parts = []
    for geometry, properties in features:
        text = geometry if isinstance(geometry, str) else json.dumps(geometry)
        parts.append(f'{{"type":"Feature","geometry":{text},"properties":{json.dumps(properties)}}}')
    head = f'"crs":{json.dumps(crs)},' if crs else ""
    path.write_text(f'{{"type":"FeatureCollection",{head}"features":[{",".join(parts)}]}}', encoding="utf-8")
    return path


def parcels_with_bow_tie(path: Path) -> Path:
    mapping = shapely.geometry.mapping
    return geojson_file(
        path,
        [
            (mapping(square(108.23, 15.35)), {"map_sheet": "5", "parcel_number": "1", "land_use_code": "ODT"}),
            (mapping(BOW_TIE), {"map_sheet": "5", "parcel_number": "2", "land_use_code": "ODT"}),
            (mapping(square(108.24, 15.35)), {"map_sheet": "5", "parcel_number": "3", "land_use_code": "CLN"}),
        ],
    )


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(db, tmp_path):
    with pytest.raises(imports.ImportRefused) as info:
        imports.import_file(parcels_with_bow_tie(tmp_path / "p.geojson"), "parcels", staff=True, mode="all")
    report = info.value.report
    assert (report.read, report.accepted, report.written) == (3, 2, 0)
    assert report.rejected == [{"row": 2, "reason": BOW_TIE_REASON}]
    assert Parcel.objects.count() == 0
    run = IngestRun.objects.get(pk=report.run)
    assert (run.status, run.rows_read, run.rows_new, run.rows_rejected) == ("failed", 3, 0, 1)
    assert run.rejected == [{"row": 2, "reason": BOW_TIE_REASON}]


def test_valid_only_writes_the_rest_and_reports_the_bad_row(db, tmp_path):
    report = imports.import_file(parcels_with_bow_tie(tmp_path / "p.geojson"), "parcels", staff=True, mode="valid-only")
    assert (report.accepted, report.written, report.rejected) == (2, 2, [{"row": 2, "reason": BOW_TIE_REASON}])
    assert sorted(Parcel.objects.values_list("parcel_number", flat=True)) == ["1", "3"]
    run = IngestRun.objects.get(pk=report.run)
    assert (run.status, run.rows_new, run.rows_rejected, run.kind) == ("succeeded", 2, 1, "vector-import")


def test_rows_are_coerced_and_bad_values_rejected_with_their_reason(commune, tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        "name,commune,households,has_cultural_house,population,lon,lat,remark\n"
        "Thôn A,tra-my,120,có,560,108.23,15.35,ok\n"
        "Thôn B,tra-my,abc,1,10,108.231,15.35,bad households\n"
        ",tra-my,4,0,10,108.232,15.35,no name\n"
        "Thôn D,Trà Xyz,4,0,10,108.233,15.35,unknown commune\n"
        "Thôn E,tra-my,4,maybe,10,108.234,15.35,bad boolean\n"
        "Thôn F,tra-my,4,0,-5,108.235,15.35,negative\n"
        "Thôn G,tra-my,4,0,10,15.35,108.23,swapped\n"
        "Thôn A,tra-my,9,0,10,108.236,15.35,duplicate of row 1\n",
        encoding="utf-8",
    )
    report = imports.import_file(path, "villages", staff=True, mode="valid-only")
    reasons = {item["row"]: item["reason"] for item in report.rejected}
    assert report.written == 1 and report.ignored_fields == ["remark"]
    assert set(reasons) == {2, 3, 4, 5, 6, 7, 8}
    assert reasons[2].startswith("households:")
    assert reasons[3] == "name: cần có giá trị"
    assert reasons[4] == "commune: không tìm thấy 'Trà Xyz'"
    assert reasons[5] == "has_cultural_house: 'maybe' không phải là có/không"
    assert reasons[6].startswith("population:")
    assert reasons[7].startswith("Nằm ngoài huyện: có lẽ vĩ độ và kinh độ bị đổi chỗ cho nhau")
    assert reasons[8] == "Trùng với dòng 1 (commune, name)"
    village = Village.objects.get()
    assert (village.name, village.households, village.population, village.has_cultural_house) == (
        "Thôn A",
        120,
        560,
        True,
    )
    # Importing the same file again: the stored village is now a duplicate, nothing is doubled.
    again = imports.import_file(path, "villages", staff=True, mode="valid-only", dry_run=True)
    assert {"row": 1, "reason": f"Đã có trong lớp (commune={village.commune_id}, name=Thôn A)"} in again.rejected


def test_a_file_missing_a_required_column_is_refused_whole(db, tmp_path):
    path = geojson_file(tmp_path / "p.geojson", [(shapely.geometry.mapping(square(108.23, 15.35)), {"map_sheet": "1"})])
    with pytest.raises(imports.ImportRefused, match="Tệp thiếu các trường bắt buộc: parcel_number, land_use_code"):
        imports.import_file(path, "parcels", staff=True)
    assert Parcel.objects.count() == 0


def test_wrong_geometry_type_rows_are_rejected(db, tmp_path):
    line = {"type": "LineString", "coordinates": [[108.23, 15.35], [108.24, 15.36]]}
    path = geojson_file(
        tmp_path / "p.geojson", [(line, {"map_sheet": "1", "parcel_number": "1", "land_use_code": "ODT"})]
    )
    with pytest.raises(imports.ImportRefused) as info:
        imports.import_file(path, "parcels", staff=True)
    assert info.value.report.rejected == [
        {
            "row": 1,
            "reason": "Hình kiểu đường (LineString) không hợp với lớp “Thửa đất đô thị”, "
            "lớp này chứa nhóm vùng (MultiPolygon)",
        }
    ]


def test_the_vertex_cap_applies_to_file_rows(db, tmp_path, settings):
    settings.GEOPLATFORM_MAX_VERTICES = 1000
    circle = shapely.Point(108.23, 15.35).buffer(0.001, quad_segs=1500)  # ~6,000 vertices
    path = write_ogr(
        tmp_path / "big.gpkg",
        [circle, square(108.24, 15.35)],
        {"map_sheet": ["1", "1"], "parcel_number": ["1", "2"], "land_use_code": ["ODT", "ODT"]},
        driver="GPKG",
        crs="EPSG:4326",
        geometry_type="Polygon",
    )
    report = imports.import_file(path, "parcels", staff=True, mode="valid-only")
    assert report.rejected == [{"row": 1, "reason": "Hình có hơn 1000 đỉnh"}] and report.written == 1


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "1e999", "-1e400"])
def test_non_finite_numbers_in_a_geojson_file_are_refused(db, tmp_path, bad):
    geometry = f'{{"type":"Point","coordinates":[{bad},15.35]}}'
    path = geojson_file(tmp_path / "v.geojson", [(geometry, {"name": "x"})])
    with pytest.raises(imports.PlatformError) as info:
        imports.import_file(path, "villages", staff=True)
    assert info.value.status == 400 and "Tệp GeoJSON không hợp lệ" in info.value.message


# ---------------------------------------------------------------------------------------------
# The command line.


def test_command_prints_rejected_rows_and_fails_when_nothing_landed(db, tmp_path, capsys):
    path = parcels_with_bow_tie(tmp_path / "p.geojson")
    with pytest.raises(CommandError) as info:
        call_command("import_layer", str(path), "--layer", "parcels")
    assert info.value.returncode == 2
    # Commands speak settings.LANGUAGE_CODE: Vietnamese, like the rest of the platform.
    assert "chưa ghi dòng nào" in str(info.value)
    out = capsys.readouterr().out
    assert f"Dòng 2 bị từ chối: {BOW_TIE_REASON}" in out
    assert "parcels: đọc 3 (geojson, EPSG:4326), nhận 2, từ chối 1, đã ghi 0" in out
    assert Parcel.objects.count() == 0

    call_command("import_layer", str(path), "--layer", "parcels", "--mode", "valid-only")
    out = capsys.readouterr().out
    assert f"Dòng 2 bị từ chối: {BOW_TIE_REASON}" in out and "đã ghi 2" in out
    assert Parcel.objects.count() == 2


def test_command_dry_run_writes_nothing_and_srs_is_applied(commune, tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_text("name,commune,x,y\nThôn UTM,tra-my,846640.7545,1699738.8434\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Tệp cần có hệ toạ độ"):
        call_command("import_layer", str(path), "--layer", "villages")
    call_command("import_layer", str(path), "--layer", "villages", "--srs", "EPSG:3405", "--dry-run")
    assert "nhận 1, từ chối 0, chạy thử, không ghi gì cả" in capsys.readouterr().out
    assert Village.objects.count() == 0
    call_command("import_layer", str(path), "--layer", "villages", "--srs", "EPSG:3405")
    assert Village.objects.get().name == "Thôn UTM"


def test_command_on_a_deeply_nested_file_exits_cleanly_in_its_own_process(transactional_db, tmp_path):
    nested = '{"type":"GeometryCollection","geometries":[' * 10_000 + '{"type":"Point","coordinates":[108.2,15.3]}'
    path = geojson_file(tmp_path / "deep.geojson", [(nested + "]}" * 10_000, {"name": "x"})])
    db = django_settings.DATABASES["default"]
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env = dict(os.environ, DJANGO_DEBUG="1", DATABASE_URL=f"postgis://{db['USER'] or 'postgres'}@{host}/{db['NAME']}")
    done = subprocess.run(
        [sys.executable, "manage.py", "import_layer", str(path), "--layer", "villages"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # A crash would show as a negative return code (killed by a signal); a refusal is exit 2.
    assert done.returncode == 2, done.stderr
    assert "GeoJSON lồng nhau sâu" in done.stderr
    assert IngestRun.objects.get().status == "failed"


# ---------------------------------------------------------------------------------------------
# The upload endpoint.

URL = "/api/layers/{}/import/"


def upload(client, slug, path, **data):
    with open(path, "rb") as handle:
        return client.post(URL.format(slug), {"file": handle, **data})


def test_anonymous_and_roles_without_edit_are_refused(db, client, users, tmp_path):
    path = parcels_with_bow_tie(tmp_path / "p.geojson")
    response = upload(client, "parcels", path)
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    for role in ("planner", "ranger", "feedback_officer", "operator"):
        client.force_login(users[role])
        response = upload(client, "parcels", path, mode="valid-only")
        assert response.status_code == 403, role
        assert response.json()["error"]["field"] == "layer"
    client.force_login(users["urban_staff"])
    assert upload(client, "villages", path).status_code == 403
    assert Parcel.objects.count() == 0 and IngestRun.objects.count() == 0


def test_upload_reports_rejected_rows_and_writes_by_mode(db, client, users, tmp_path):
    client.force_login(users["urban_staff"])
    path = parcels_with_bow_tie(tmp_path / "p.geojson")
    response = upload(client, "parcels", path)
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "import_rejected"
    assert body["report"]["rejected"] == [{"row": 2, "reason": BOW_TIE_REASON}]
    assert Parcel.objects.count() == 0
    # An English client gets the refusal and every row's reason in English.
    with open(path, "rb") as handle:
        response = client.post(URL.format("parcels"), {"file": handle}, HTTP_ACCEPT_LANGUAGE="en")
    body = response.json()
    assert body["error"]["message"] == "1 of 3 rows rejected; nothing written (mode all: all or nothing)"
    assert body["report"]["rejected"] == [{"row": 2, "reason": BOW_TIE_REASON_EN}]
    assert Parcel.objects.count() == 0

    response = upload(client, "parcels", path, mode="valid-only")
    assert response.status_code == 201
    body = response.json()
    assert (body["written"], body["accepted"], body["layer"], body["mode"]) == (2, 2, "parcels", "valid-only")
    assert Parcel.objects.filter(updated_by=users["urban_staff"]).count() == 2


def test_upload_caps_and_bad_files_get_json_errors(db, client, users, tmp_path, settings):
    client.force_login(users["urban_staff"])
    settings.GEOPLATFORM_MAX_UPLOAD_BYTES = 2000
    big = tmp_path / "big.geojson"
    big.write_text(" " * 5000 + '{"type":"FeatureCollection","features":[]}')
    response = upload(client, "parcels", big)
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    settings.GEOPLATFORM_MAX_UPLOAD_BYTES = 10 * 1024 * 1024

    assert client.post(URL.format("parcels"), {}).json()["error"]["code"] == "missing_file"
    exe = tmp_path / "x.exe"
    exe.write_bytes(b"MZ")
    assert upload(client, "parcels", exe).json()["error"]["code"] == "bad_format"
    assert upload(client, "no-such-layer", exe).status_code == 404

    whole = write_ogr(
        tmp_path / "w.gpkg",
        [square(108.23 + 0.0011 * (i % 100), 15.35 + 0.0011 * (i // 100)) for i in range(300)],
        {"map_sheet": ["1"] * 300, "parcel_number": [str(i) for i in range(300)], "land_use_code": ["ODT"] * 300},
        driver="GPKG",
        crs="EPSG:4326",
        geometry_type="Polygon",
    )
    cut = tmp_path / "cut.gpkg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    response = upload(client, "parcels", cut)
    assert response.status_code == 400 and "tệp bị cắt cụt hoặc hỏng?" in response.json()["error"]["message"]

    nested = '{"type":"GeometryCollection","geometries":[' * 10_000 + '{"type":"Point","coordinates":[108.2,15.3]}'
    deep = geojson_file(tmp_path / "deep.geojson", [(nested + "]}" * 10_000, {})])
    response = upload(client, "parcels", deep)
    assert response.status_code == 400 and response.json()["error"]["field"] == "file"
    # The process is alive and keeps serving.
    response = upload(client, "parcels", whole, dry_run="1")
    assert response.status_code == 200 and response.json()["accepted"] == 300
    assert Parcel.objects.count() == 0


def test_a_village_without_commune_column_lands_in_the_commune_containing_it(commune, tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("name,lon,lat\nThôn Trong,108.23,15.35\nThôn Ngoài,108.45,15.5\n", encoding="utf-8")
    report = imports.import_file(path, "villages", staff=True, mode="valid-only")
    reason = "commune: không có đối tượng nào của lớp “Xã, thị trấn” chứa vị trí này"
    assert report.rejected == [{"row": 2, "reason": reason}]
    assert Village.objects.get().commune == commune


def test_upload_with_srs_lands_a_vn2000_csv(commune, client, users):
    client.force_login(users["planner"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv_bytes = "name,x,y\nThôn UTM,846640.7545,1699738.8434\n".encode()
    response = client.post(URL.format("villages"), {"file": SimpleUploadedFile("v.csv", csv_bytes)})
    assert response.status_code == 400 and response.json()["error"]["code"] == "needs_crs"
    response = client.post(URL.format("villages"), {"file": SimpleUploadedFile("v.csv", csv_bytes), "srs": "EPSG:3405"})
    assert response.status_code == 201 and response.json()["crs"] == "EPSG:3405"
    village = Village.objects.get()
    assert village.commune == commune
    # Within a metre of Trà My town (1e-5° is about 1.1 m here).
    assert abs(village.geom.x - 108.23) < 1e-5 and abs(village.geom.y - 15.35) < 1e-5
    run = IngestRun.objects.get(pk=response.json()["run"])
    assert run.params["user"] == users["planner"].username and run.file_name == "v.csv"


def test_a_ten_million_vertex_polygon_file_is_refused_before_json_parsing(db, tmp_path, monkeypatch):
    path = tmp_path / "huge.geojson"
    # Short coordinates keep the file (60 MB) under the text-format size cap: the vertex guard must catch it.
    ring = ",".join(["[1,1]"] * 10_000_000)
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"map_sheet":"1"},'
        f'"geometry":{{"type":"Polygon","coordinates":[[{ring}]]}}}}]}}'
    )
    del ring

    def never(*args, **kwargs):
        raise AssertionError("the file was handed to the JSON parser")

    monkeypatch.setattr(vector.validation, "strict_json_loads", never)
    with pytest.raises(vector.VectorFileError) as info:
        imports.import_file(path, "parcels", staff=True, mode="valid-only")
    assert info.value.code == "geometry_too_complex" and "có hơn 200000 đỉnh" in info.value.message
    assert Parcel.objects.count() == 0


def test_brackets_inside_strings_count_neither_as_vertices_nor_as_nesting(db, tmp_path, settings):
    settings.GEOPLATFORM_MAX_VERTICES = 10
    noisy = '{[ "' + "[" * 150 + '\\"{[['
    path = geojson_file(
        tmp_path / "p.geojson",
        [
            (
                shapely.geometry.mapping(square(108.23, 15.35)),
                {"map_sheet": "1", "parcel_number": "1", "land_use_code": "ODT", "address": noisy},
            )
        ],
    )
    report = imports.import_file(path, "parcels", staff=True, mode="all")
    assert report.written == 1 and Parcel.objects.get().address == noisy
    bare = vector.without_strings(b'{"a":"{[[[[\\"[","g":{"type":"Point","coordinates":[1,2]}}')
    assert bare == b'{"":"","":{"":"","":[1,2]}}' and vector.largest_leaf_object(bare) == 1
