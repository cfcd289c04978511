"""Vector imports: files without features say so, a feature cap is stated before reading, nothing is written."""

import io
import zipfile

import pytest
from shapely.geometry import box

from ingest.models import IngestRun
from layers.parcels.models import Parcel
from tests.ingest.test_import_service import upload

KML = b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>%s</Document></kml>'
GPX = b'<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"></gpx>'


def zipped(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("empty.kml", KML % "<name>rỗng</name>".encode(), "không có đối tượng"),
        ("folders.kml", KML % b"<Folder><name>a</name></Folder><Folder><name>b</name></Folder>", "không có đối tượng"),
        ("zero.kml", b"", "rỗng"),
        ("empty.zip", zipped({}), "không có đối tượng"),
        ("kml-only.zip", zipped({"a.kml": KML % b""}), "không có đối tượng"),
        ("zero.zip", b"", "rỗng"),
        ("empty.gpx", GPX, ".gpx"),
        ("empty.geojson", b'{"type":"FeatureCollection","features":[]}', "không có đối tượng"),
    ],
)
def test_files_without_features_are_a_clear_400_and_nothing_written(db, client, users, tmp_path, name, data, needle):
    client.force_login(users["urban_staff"])
    path = tmp_path / name
    path.write_bytes(data)
    response = upload(client, "parcels", path)
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert needle in error["message"].lower() and error["field"] == "file"
    assert Parcel.objects.count() == 0


def test_a_geopackage_above_the_feature_cap_is_refused_with_the_cap(db, client, users, tmp_path, settings):
    import geopandas as gpd

    settings.GEOPLATFORM_MAX_IMPORT_FEATURES = 50
    frame = gpd.GeoDataFrame(
        {"map_sheet": ["1"] * 51, "parcel_number": [str(i) for i in range(51)], "land_use_code": ["ODT"] * 51},
        geometry=[box(108.23 + i * 0.001, 15.35, 108.2305 + i * 0.001, 15.3505) for i in range(51)],
        crs=4326,
    )
    path = tmp_path / "many.gpkg"
    frame.to_file(path, driver="GPKG")
    client.force_login(users["urban_staff"])
    response = upload(client, "parcels", path)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_many_features"
    assert "51" in error["message"] and "50" in error["message"]
    assert Parcel.objects.count() == 0
    assert IngestRun.objects.get().status == "failed"
