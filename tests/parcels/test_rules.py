"""The parcel rules on the REST write path: area, commune, snapping, overlaps, slivers, hostile shapes."""

import geopandas
import numpy as np
import pytest
import shapely

from ingest.imports import ImportRefused, import_file
from layers.parcels import rules
from layers.parcels.models import Parcel

from .conftest import feature, metres, rect, send

URL = "/api/layers/parcels/features/"


def test_area_is_computed_in_vn2000_and_the_commune_derived(first, town):
    assert first.area_m2 == pytest.approx(600, abs=0.5)
    assert first.commune == town["tra_my"]
    assert first.version == 1


def test_a_client_area_is_refused_with_the_field_named(town, staff):
    response = send(staff, "post", URL, feature(rect(0, 0, 20, 30), area_m2=-5))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "area_m2" and "máy chủ tính" in error["message"]
    assert not Parcel.objects.exists()


def test_a_patched_geometry_recomputes_the_area(first, staff):
    response = send(
        staff,
        "patch",
        f"{URL}{first.pk}/",
        {"type": "Feature", "geometry": feature(rect(0, 0, 10, 30))["geometry"]},
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.content
    assert response.json()["properties"]["area_m2"] == pytest.approx(300, abs=0.5)
    assert response["ETag"] == '"2"'


def test_a_neighbour_drawn_10_cm_off_is_snapped_onto_the_shared_edge(first, staff):
    # Its west edge is drawn 0.1 m inside parcel 1 at the bottom and 0.1 m short at the top.
    drawn = metres([(19.9, 0), (40, 0), (40, 30), (20.1, 30)])
    response = send(staff, "post", URL, feature(drawn, parcel_number="2"))
    assert response.status_code == 201, response.content
    second = Parcel.objects.get(parcel_number="2")
    a, b = shapely.from_wkb(bytes(first.geom.wkb)), shapely.from_wkb(bytes(second.geom.wkb))
    shared = a.intersection(b)
    assert shared.geom_type in ("LineString", "MultiLineString") and shared.length > 0  # edge shared, no area
    assert shapely.union_all([a, b]).area == pytest.approx(a.area + b.area, rel=1e-9)  # no gap, no overlap
    assert second.area_m2 == pytest.approx(600, abs=0.5)


def test_an_overlap_is_refused_naming_the_parcel_and_the_area(first, staff):
    response = send(staff, "post", URL, feature(rect(18, 0, 20, 30), parcel_number="2"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "overlap" and "tờ 1 thửa 1" in error["message"]
    [overlap] = error["overlaps"]
    assert overlap["id"] == first.pk and overlap["area_m2"] == pytest.approx(60, abs=0.5)
    assert overlap["geometry"]["type"] == "Polygon"
    assert Parcel.objects.count() == 1


def test_a_parcel_swallowing_its_neighbour_is_refused(first, staff):
    response = send(staff, "post", URL, feature(rect(-10, -10, 50, 50), parcel_number="2"))
    assert response.status_code == 400
    assert response.json()["error"]["overlaps"][0]["area_m2"] == pytest.approx(600, abs=0.5)


def test_unique_number_per_commune_is_a_409_naming_the_field(first, staff):
    response = send(staff, "post", URL, feature(rect(100, 0, 20, 20)))
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "parcel_number"
    elsewhere = feature(rect(0, 0, 20, 20))
    elsewhere["geometry"] = feature(shapely.affinity.translate(rect(0, 0, 20, 20), -0.13, -0.05))["geometry"]
    response = send(staff, "post", URL, elsewhere)
    assert response.status_code == 201, response.content
    assert Parcel.objects.get(pk=response.json()["id"]).commune.name == "Trà Sơn"


def test_unknown_land_use_and_declared_area_flag(town, staff):
    response = send(staff, "post", URL, feature(rect(0, 0, 20, 30), land_use_code="XYZ"))
    assert response.status_code == 400 and response.json()["error"]["field"] == "land_use_code"
    response = send(staff, "post", URL, feature(rect(0, 0, 20, 30), declared_area_m2=700))
    assert response.status_code == 201
    assert response.json()["properties"]["area_mismatch"] is True
    response = send(staff, "post", URL, feature(rect(50, 0, 20, 30), parcel_number="2", declared_area_m2=601))
    assert response.json()["properties"]["area_mismatch"] is False


HOSTILE = {
    "spike": (metres([(0, 0), (20, 0), (20, 10), (60, 10.2), (20, 10.4), (20, 30), (0, 30)]), "spike"),
    "thin sliver": (rect(0, 0, 100, 0.3), "sliver"),
    "tiny sliver": (rect(0, 0, 1, 1), "sliver"),
    "bow-tie": (metres([(0, 0), (20, 30), (20, 0), (0, 30)]), "invalid_geometry"),
    "rings touching": (
        shapely.Polygon(rect(0, 0, 20, 20).exterior.coords, [metres([(0, 10), (10, 5), (10, 15)]).exterior.coords]),
        "invalid_geometry",
    ),
}


@pytest.mark.parametrize("url", [URL, "/ogc/collections/parcels/items"], ids=["rest", "ogc"])
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_shapes_are_refused_with_a_reason_and_nothing_written(town, staff, name, url):
    shape, code = HOSTILE[name]
    response = send(staff, "post", url, feature(shape))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["field"] == "geometry" and error["message"]
    if code == "invalid_geometry":
        assert error["preview"]["type"] == "MultiPolygon" and error["location"]
    assert not Parcel.objects.exists()


def test_a_200000_vertex_ring_is_refused_by_the_vertex_cap(town, staff):
    angles = np.linspace(0, 2 * np.pi, 199_999, endpoint=False)
    shape = metres(np.column_stack([20 * np.cos(angles), 20 * np.sin(angles)]))
    assert shapely.get_num_coordinates(shape) == 200_000
    response = send(staff, "post", URL, feature(shape))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "too_many_vertices" and error["field"] == "geometry"
    assert not Parcel.objects.exists()


def test_hostile_shapes_in_an_import_are_refused_row_by_row_and_nothing_written(first, users, tmp_path):
    shapes = [shape for shape, _code in HOSTILE.values()] + [rect(-10, -10, 50, 50)]  # the last swallows 1/1
    frame = geopandas.GeoDataFrame(
        {"map_sheet": ["8"] * len(shapes), "parcel_number": [str(i) for i in range(len(shapes))],
         "land_use_code": ["ODT"] * len(shapes)},
        geometry=[rules.to_metric(s) for s in shapes],
        crs="EPSG:5899",
    )  # fmt: skip
    frame.to_file(tmp_path / "hostile.gpkg", driver="GPKG")
    with pytest.raises(ImportRefused) as refused:
        import_file(tmp_path / "hostile.gpkg", "parcels", user=users["urban_staff"], mode="valid-only")
    rows = {item["row"] for item in refused.value.report.rejected}
    assert rows == set(range(1, len(shapes) + 1))
    assert Parcel.objects.count() == 1


def test_a_unique_number_lost_to_a_race_is_a_409_naming_the_field(first):
    from geoplatform.errors import Conflict
    from layers.api import features

    from .conftest import geos

    # What a concurrent writer that passed the same check first leaves behind: only the constraint is left.
    twin = Parcel(
        map_sheet="1", parcel_number="1", land_use_code="ODT", commune=first.commune, geom=geos(rect(50, 0, 9, 9))
    )
    with pytest.raises(Conflict) as lost:
        features._save(twin)
    assert lost.value.field == "parcel_number" and lost.value.status == 409
