"""Exports as GDAL reads them: no warnings, GeoPackage datetimes, KML integers, Shapefile field names and map."""

import csv
import io
import os
import subprocess
import zipfile

import pytest


def _ogrinfo(path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CPL_DEBUG": "OFF"}
    return subprocess.run(
        ["ogrinfo", "-ro", "-al", *args, str(path)], capture_output=True, text=True, timeout=60, env=env
    )


def _download(client, slug: str, fmt: str, tmp_path):
    response = client.get(f"/api/layers/{slug}/export.{fmt}")
    assert response.status_code == 200, response.content[:300]
    target = tmp_path / f"{slug}.{'zip' if fmt == 'shp' else fmt}"
    target.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)
    return target


# One layer per kind of field and geometry: times, integers and booleans, many fields, lines, polygons.
SAMPLE = ("fire-hotspots", "villages", "cell-towers", "rivers", "parcels", "complaints")


@pytest.mark.parametrize("fmt", ["gpkg", "kml", "shp", "csv", "geojson"])
def test_gdal_reads_every_export_without_warnings(world, client, tmp_path, fmt):
    for slug in SAMPLE:
        path = _download(client, slug, fmt, tmp_path)
        result = _ogrinfo(f"/vsizip/{path}" if fmt == "shp" else path)
        assert result.returncode == 0, (slug, result.stderr)
        assert "Warning" not in result.stderr and "ERROR" not in result.stderr, (slug, result.stderr)
        assert "Feature Count" in result.stdout or "OGRFeature" in result.stdout, slug


def test_geopackage_datetimes_and_kml_integers_keep_their_types(world, client, tmp_path):
    gpkg = _ogrinfo(_download(client, "fire-hotspots", "gpkg", tmp_path)).stdout
    assert "acquired_at: DateTime" in gpkg and "acquired_at (DateTime) = 2024/03/01 08:00:00+00" in gpkg
    kml = _ogrinfo(_download(client, "villages", "kml", tmp_path))
    assert "households: Integer" in kml.stdout and "households (Integer) = 120" in kml.stdout
    assert "id: Integer" in kml.stdout and "Warning" not in kml.stderr


def test_shapefile_field_names_stay_unique_and_come_with_a_field_map(world, client, tmp_path):
    from layers.api.exports import shapefile_names

    names = shapefile_names(["antenna_height_m", "antenna_height_x", "has_cultural_house", "id"])
    assert names == {
        "antenna_height_m": "antenna_he",
        "antenna_height_x": "ant_hei_x",
        "has_cultural_house": "has_cultur",
        "id": "id",
    }
    assert shapefile_names(["population_total", "population_totals", "population_tots"]) == {
        "population_total": "population",
        "population_totals": "popu_tota",
        "population_tots": "popul_tots",
    }
    path = _download(client, "villages", "shp", tmp_path)
    archive = zipfile.ZipFile(path)
    assert "villages.fields.txt" in archive.namelist()
    rows = list(csv.DictReader(io.StringIO(archive.read("villages.fields.txt").decode("utf-8-sig"))))
    mapping = {row["field"]: row["shapefile_field"] for row in rows}
    assert mapping["has_cultural_house"] == "has_cultur" and mapping["households"] == "households"
    assert next(row["title"] for row in rows if row["field"] == "households") == "Số hộ"
    info = _ogrinfo(f"/vsizip/{path}").stdout
    assert "has_cultur: " in info and "households (Integer" in info and "Thôn 3" in info
    assert len(set(mapping.values())) == len(mapping)


def test_csv_export_reimports_as_it_is(world, client, tmp_path):
    path = _download(client, "villages", "csv", tmp_path)
    back = tmp_path / "back.gpkg"
    result = subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "GPKG",
            str(back),
            str(path),
            "-oo",
            "X_POSSIBLE_NAMES=lon",
            "-oo",
            "Y_POSSIBLE_NAMES=lat",
            "-oo",
            "AUTODETECT_TYPE=YES",
            "-a_srs",
            "EPSG:4326",
            "-nln",
            "villages",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "Warning" not in result.stderr, result.stderr
    info = _ogrinfo(back).stdout
    assert "Feature Count: 3" in info and "households: Integer" in info and "POINT (108.231 15.351)" in info
    original = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    again = subprocess.run(
        ["ogr2ogr", "-f", "CSV", "/vsistdout/", str(back), "-lco", "GEOMETRY=AS_XY"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert original[0][:2] == ["id", "name"] and len(original) == 4
    assert {row[1] for row in original[1:]} == {row["name"] for row in csv.DictReader(io.StringIO(again))}
