"""The cadastral office's files: preview new/changed/gone, apply all or nothing with the file as reason, export."""

import zipfile

import geopandas
import pyogrio
import pytest

from layers.api import features
from layers.parcels import rules, services
from layers.parcels.models import Parcel

from .conftest import feature, rect


def make(user, sheet, number, shape):
    return Parcel.objects.get(
        pk=features.create(services.layer(), user, feature(shape, map_sheet=sheet, parcel_number=number))
    )


@pytest.fixture
def sheet5(town, users):
    user = users["urban_staff"]
    return {
        "a": make(user, "5", "1", rect(0, 0, 20, 30)),
        "b": make(user, "5", "2", rect(20, 0, 20, 30)),
        "c": make(user, "5", "3", rect(60, 0, 20, 20)),
        "other": make(user, "6", "1", rect(200, 0, 20, 20)),
    }


def gpkg(path, rows):
    frame = geopandas.GeoDataFrame(
        {"so_to": [r[0] for r in rows], "so_thua": [r[1] for r in rows], "loai_dat": ["ODT"] * len(rows)},
        geometry=[rules.to_metric(r[2]) for r in rows],
        crs="EPSG:5899",
    )
    frame.to_file(path, driver="GPKG")
    return path


def shapefile_zip(folder, rows):
    frame = geopandas.GeoDataFrame(
        {"so_to": [r[0] for r in rows], "so_thua": [r[1] for r in rows], "loai_dat": ["ODT"] * len(rows)},
        geometry=[rules.to_metric(r[2]) for r in rows],
        crs="EPSG:5899",
    )
    frame.to_file(folder / "thua.shp")
    target = folder / "thua.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for part in folder.glob("thua.*"):
            if part.suffix != ".zip":
                archive.write(part, part.name)
    return target


UPDATE = [
    ("5", "1", rect(0, 0, 22, 30)),  # the shared boundary moved 2 m east ...
    ("5", "2", rect(22, 0, 18, 30)),  # ... and its neighbour shrank with it
    ("5", "4", rect(100, 0, 20, 20)),  # new; 5/3 is gone
]


def test_preview_then_apply_a_vn2000_geopackage(sheet5, staff, tmp_path):
    path = gpkg(tmp_path / "capnhat-to5.gpkg", UPDATE)
    with open(path, "rb") as handle:
        preview = staff.post("/parcels/api/cadastre/preview/", {"file": handle})
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert (body["new"], body["changed"], body["gone"], body["problems"]) == (1, 2, 1, [])
    statuses = sorted(f["properties"]["status"] for f in body["features"]["features"])
    assert statuses == ["changed", "changed", "gone", "new"]
    assert Parcel.objects.count() == 4  # a preview writes nothing
    with open(path, "rb") as handle:
        applied = staff.post("/parcels/api/cadastre/apply/", {"file": handle})
    assert applied.status_code == 201, applied.content
    a = Parcel.objects.get(map_sheet="5", parcel_number="1")
    b = Parcel.objects.get(map_sheet="5", parcel_number="2")
    assert a.area_m2 == pytest.approx(660, abs=0.5) and b.area_m2 == pytest.approx(540, abs=0.5)
    assert not Parcel.objects.filter(map_sheet="5", parcel_number="3").exists()
    assert Parcel.objects.filter(map_sheet="6").exists()  # a sheet the file does not cover is left alone
    reasons = set(
        Parcel.pgh_event_model.objects.filter(pgh_context__metadata__reason="capnhat-to5.gpkg").values_list(
            "pgh_label", flat=True
        )
    )
    assert reasons == {"insert", "update", "delete"}
    assert Parcel.pgh_event_model.objects.filter(pgh_obj_id=a.pk, pgh_label="update").count() == 1


def test_a_shapefile_with_an_overlap_changes_nothing(sheet5, staff, tmp_path):
    bad = [*UPDATE[:2], ("5", "4", rect(30, 10, 40, 5))]  # over 5/2 and 5/3
    path = shapefile_zip(tmp_path, bad)
    with open(path, "rb") as handle:
        applied = staff.post("/parcels/api/cadastre/apply/", {"file": handle})
    assert applied.status_code == 400
    problems = applied.json()["error"]["problems"]
    assert problems and problems[0]["row"] == 3 and "chồng" in problems[0]["reason"]
    assert Parcel.objects.get(map_sheet="5", parcel_number="1").area_m2 == pytest.approx(600, abs=0.5)
    assert Parcel.objects.filter(map_sheet="5", parcel_number="3").exists()


def test_export_is_vn2000_with_areas_for_editors_only(sheet5, staff, client, tmp_path):
    response = staff.get("/parcels/api/cadastre/export.gpkg")
    assert response.status_code == 200
    path = tmp_path / "export.gpkg"
    path.write_bytes(response.content)
    frame = pyogrio.read_dataframe(path)
    assert frame.crs.to_epsg() == 5899 and len(frame) == 4
    assert sorted(frame["area_m2"].round()) == [400, 400, 600, 600]
    assert client.get("/parcels/api/cadastre/export.gpkg").status_code == 401
