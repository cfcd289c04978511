"""Exports in five formats, read back with GDAL; the same filters and field permissions as the API."""

import csv
import io
import subprocess
import zipfile

import pyogrio
import pytest

from .conftest import INJECTION, SECRETS
from .helpers import leaks


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "csv", "kml"])
def test_each_format_reads_back_with_the_features_and_no_private_fields(world, client, tmp_path, fmt):
    response = client.get("/api/layers/parcels/export." + fmt)
    assert response.status_code == 200, response.content[:300]
    assert "attachment" in response["Content-Disposition"]
    assert not leaks(response.content, SECRETS)
    if fmt == "shp":
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert {n.rsplit(".", 1)[1] for n in archive.namelist()} >= {"shp", "shx", "dbf", "prj"}
            archive.extractall(tmp_path)
        path = next(tmp_path.glob("*.shp"))
    else:
        path = tmp_path / f"parcels.{fmt}"
        path.write_bytes(response.content)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == 2 and "holder_name" not in rows[0] and rows[0]["wkt"].startswith("MULTIPOLYGON")
        return
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 2
    number = "parcel_num" if fmt == "shp" else "parcel_number"  # dBASE names stop at 10 characters
    assert sorted(frame[number]) == ["34", "35"]
    assert "holder_name" not in frame.columns
    assert frame.crs is None or frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].geom_type in ("MultiPolygon", "Polygon")
    info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True, timeout=60)
    assert info.returncode == 0 and "Feature Count: 2" in info.stdout


def test_role_holder_export_has_the_private_field(world, clients, tmp_path):
    response = clients["urban_staff"].get("/api/layers/parcels/export.gpkg")
    path = tmp_path / "p.gpkg"
    path.write_bytes(response.content)
    frame = pyogrio.read_dataframe(path)
    assert "Nguyễn Văn Chủ" in set(frame["holder_name"])


def test_csv_defeats_formula_injection_and_gives_lon_lat_for_points(world, client, clients):
    text = client.get("/api/layers/parcels/export.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    addresses = [r["address"] for r in rows]
    assert "'" + INJECTION in addresses and INJECTION not in addresses
    points = list(
        csv.DictReader(io.StringIO(client.get("/api/layers/villages/export.csv").content.decode("utf-8-sig")))
    )
    assert {"lon", "lat"} <= set(points[0]) and 108 < float(points[0]["lon"]) < 109
    officer = clients["feedback_officer"].get("/api/layers/complaints/export.csv").content.decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(officer)))
    assert row["description"].startswith("<script>") and row["reporter_phone"] == "0905123456"


def test_exports_apply_the_same_filters_and_refuse_unknown_ones(world, client):
    body = client.get("/api/layers/villages/export.geojson", {"has_cultural_house": "false"}).json()
    assert [f["properties"]["name"] for f in body["features"]] == ["Thôn 3"]
    response = client.get("/api/layers/villages/export.csv", {"population__gt": "1"})
    assert response.status_code == 400 and response.json()["error"]["field"] == "population__gt"
    assert client.get("/api/layers/villages/export.xlsx").status_code == 406


def test_private_layer_export_is_404_for_anonymous(world, client, clients):
    assert client.get("/api/layers/signal-measurements/export.csv").status_code == 404
    response = clients["planner"].get("/api/layers/signal-measurements/export.csv")
    assert response.status_code == 200 and b"Pixel-7" in response.content


def test_every_layer_exports_in_every_format(world, clients, tmp_path):
    from layers.api.links import EXPORT_FORMATS
    from layers.registry import registry

    admin = clients["admin"]
    for layer in registry.all():
        expected = layer.model_class.objects.count()
        for fmt in EXPORT_FORMATS:
            response = admin.get(f"/api/layers/{layer.slug}/export.{fmt}")
            assert response.status_code == 200, (layer.slug, fmt, response.content[:300])
            if fmt == "csv":
                rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
                assert len(rows) == expected + 1
                continue
            folder = tmp_path / layer.slug / fmt
            folder.mkdir(parents=True)
            if fmt == "shp":
                zipfile.ZipFile(io.BytesIO(response.content)).extractall(folder)
                path = next(folder.glob("*.shp"))
            else:
                path = folder / f"out.{fmt}"
                path.write_bytes(response.content)
            if expected:
                assert len(pyogrio.read_dataframe(path)) == expected, (layer.slug, fmt)
