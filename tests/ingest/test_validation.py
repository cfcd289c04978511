"""layers.validation: the one geometry gate, fed the hostile inputs of HOSTILE_INPUTS.md."""

import json
import struct
import time

import pytest
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.utils import translation

from layers import validation as v
from layers.registry import registry

PARCELS = registry.get("parcels")
VILLAGES = registry.get("villages")
BOW_TIE_IN_DISTRICT = "POLYGON((108.2 15.3,108.2 15.31,108.21 15.3,108.21 15.31,108.2 15.3))"
SQUARE = "POLYGON((108.2 15.3,108.2 15.31,108.21 15.31,108.21 15.3,108.2 15.3))"


def refused(value, layer=None, kind=v.GeometryError) -> v.GeometryError:
    with pytest.raises(kind) as info:
        v.parse_geometry(value, layer)
    assert info.value.status == 400 and info.value.field == "geometry"
    return info.value


def test_valid_polygon_is_promoted_for_a_multipolygon_layer():
    geom = v.parse_geometry(SQUARE, PARCELS)
    assert geom.geom_type == "MultiPolygon" and geom.srid == 4326 and geom.valid


def test_bow_tie_names_the_reason_and_place_as_postgis_does(db):
    error = refused(BOW_TIE_IN_DISTRICT, PARCELS, v.InvalidGeometry)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_IsValidReason(ST_GeomFromText(%s))", [BOW_TIE_IN_DISTRICT])
        postgis_reason = cursor.fetchone()[0]
    # PostGIS's reason and place, in the district user's words.
    assert postgis_reason == "Self-intersection[108.205 15.305]"
    assert error.message == "Hình không hợp lệ: đường viền tự cắt nhau tại kinh độ 108.205, vĩ độ 15.305"
    assert error.location == [108.205, 15.305]
    with translation.override("en"):
        english = refused(BOW_TIE_IN_DISTRICT, PARCELS, v.InvalidGeometry).message
    assert english == "Invalid geometry: self-intersection at longitude 108.205, latitude 15.305"


def test_an_unknown_geos_reason_is_shown_as_geos_gives_it():
    assert (
        v.invalid_reason("Some new GEOS reason[1 2]")
        == "Hình không hợp lệ: Some new GEOS reason tại kinh độ 1, vĩ độ 2"
    )
    assert v.invalid_reason("Ring Self-intersection") == "Hình không hợp lệ: vòng tự cắt chính nó"


def test_bow_tie_at_the_origin_is_outside_the_district_first():
    error = refused("POLYGON((0 0,0 1,1 0,1 1,0 0))", PARCELS, v.OutsideDistrict)
    assert error.message == "Nằm ngoài huyện (điểm đầu tiên ở ngoài: 0 0)"


def test_the_classic_bow_tie_reason_without_a_district():
    # The same reason GEOS/PostGIS give for the textbook case, checked without the district box.
    geom = GEOSGeometry("POLYGON((0 0,0 1,1 0,1 1,0 0))", srid=4326)
    assert geom.valid_reason == "Self-intersection[0.5 0.5]"


@pytest.mark.parametrize(
    "value, kind, words",
    [
        ("POLYGON((108.2 15.3,108.2 15.31,108.21 15.31,108.21 15.3))", v.GeometryParseError, "chưa khép kín"),
        (
            {"type": "Polygon", "coordinates": [[[108.2, 15.3], [108.2, 15.31], [108.21, 15.31], [108.21, 15.3]]]},
            v.GeometryParseError,
            "chưa khép kín",
        ),
        (
            {"type": "Polygon", "coordinates": [[[108.2, 15.3], [108.2, 15.31], [108.2, 15.3]]]},
            v.GeometryParseError,
            "4",
        ),
        ("POLYGON((108.2 15.3,108.2 15.31,108.2 15.3))", v.InvalidGeometry, "quá ít điểm"),
        ("LINESTRING(108.2 15.3,108.21 15.31)", v.GeometryTypeError, "LineString"),
        ("POLYGON EMPTY", v.EmptyGeometry, "trống"),
        ({"type": "Point", "coordinates": []}, v.EmptyGeometry, "trống"),
        ("POINT(181 0)", v.OutOfRange, "180"),
        ("POINT(108.2 -91)", v.OutOfRange, "90"),
        ("POINT(NaN 15.3)", v.OutOfRange, "hữu hạn"),
        ('{"type":"Point","coordinates":[NaN,15.3]}', v.GeometryParseError, "NaN"),
        ('{"type":"Point","coordinates":[Infinity,15.3]}', v.GeometryParseError, "Infinity"),
        ('{"type":"Point","coordinates":[1e999,15.3]}', v.GeometryParseError, "1e999"),
        ({"type": "Point", "coordinates": [float("nan"), 15.3]}, v.OutOfRange, "hữu hạn"),
        ("POINT M (108.2 15.3 1)", v.GeometryParseError, "toạ độ M"),
        ("POINT ZM (108.2 15.3 1 2)", v.GeometryParseError, "toạ độ M"),
        ({"type": "Point", "coordinates": [108.2, 15.3, 1, 2]}, v.GeometryParseError, "toạ độ M"),
        ("SRID=3405;POINT(846640 1699738)", v.GeometryCRSError, "4326"),
    ],
)
def test_hostile_geometries_are_refused_with_a_reason(value, kind, words):
    layer = VILLAGES if "POINT" in str(value).upper() else PARCELS
    assert words in refused(value, layer, kind).message


@pytest.mark.parametrize(
    "value, hint",
    [
        ("POINT(15.35 108.23)", "vĩ độ và kinh độ bị đổi chỗ"),  # swapped lat/lon
        ("POINT(846640 1699738)", "hệ chiếu (mét)"),  # VN-2000 / UTM 48N metres labelled 4326
        ("POINT(12048000 1730000)", "hệ chiếu (mét)"),  # web-mercator metres labelled 4326
        ("POINT(2.35 48.85)", "điểm đầu tiên ở ngoài: 2.35 48.85"),  # a real place, but not in the district
    ],
)
def test_swapped_or_projected_coordinates_are_outside_the_district(value, hint):
    message = refused(value, VILLAGES, v.OutsideDistrict).message
    assert message.startswith("Nằm ngoài huyện") and hint in message


@pytest.mark.parametrize(
    "crs",
    [
        {"type": "link", "properties": {"href": "http://127.0.0.1:9/crs.wkt", "type": "ogcwkt"}},
        {"type": "name", "properties": {"name": "http://127.0.0.1:9/epsg/4326"}},
        {"type": "name", "properties": {"name": "/etc/passwd"}},
        {"type": "name", "properties": {"name": "EPSG:3405"}},
    ],
)
def test_crs_members_by_url_or_path_are_refused_unopened(crs):
    value = {"type": "Point", "coordinates": [108.23, 15.35], "crs": crs}
    refused(value, VILLAGES, v.GeometryCRSError)
    refused(json.dumps(value), VILLAGES, v.GeometryCRSError)


def test_a_wgs84_crs_member_and_an_altitude_are_accepted_and_z_dropped():
    value = {
        "type": "Point",
        "coordinates": [108.23, 15.35, 812.0],
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    }
    geom = v.parse_geometry(value, VILLAGES)
    assert (geom.x, geom.y, geom.hasz) == (108.23, 15.35, False)


def _nested_wkb(depth: int) -> bytes:
    data = shapely.to_wkb(shapely.Point(108.2, 15.3))
    for _ in range(depth):
        data = b"\x01" + struct.pack("<II", 7, 1) + data
    return data


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "GEOMETRYCOLLECTION(" * n + "POINT(108.2 15.3)" + ")" * n,
        lambda n: (
            '{"type":"GeometryCollection","geometries":[' * n + '{"type":"Point","coordinates":[108.2,15.3]}' + "]}" * n
        ),
        _nested_wkb,
        lambda n: _nested_wkb(n).hex(),
    ],
    ids=["wkt", "geojson", "wkb", "hexwkb"],
)
def test_collections_nested_10000_deep_are_refused_fast(make):
    value = make(10_000)
    started = time.perf_counter()
    error = refused(value, None, v.TooManyVertices)
    assert "lồng nhau sâu quá" in error.message
    assert time.perf_counter() - started < 2
    # The process is alive and keeps answering.
    assert v.parse_geometry("POINT(108.2 15.3)", VILLAGES).x == 108.2


def test_nested_python_dicts_are_refused_without_recursion():
    value = {"type": "Point", "coordinates": [108.2, 15.3]}
    for _ in range(10_000):
        value = {"type": "GeometryCollection", "geometries": [value]}
    assert "lồng nhau sâu quá" in refused(value, None, v.TooManyVertices).message


@pytest.mark.parametrize("form", ["wkt", "geojson"])
def test_a_ten_million_vertex_polygon_is_refused_by_the_vertex_cap_before_parsing(form):
    n = 10_000_000
    if form == "wkt":
        value = "POLYGON((" + "108.2 15.3," * n + "108.2 15.3))"
    else:
        value = '{"type":"Polygon","coordinates":[[' + "[108.2,15.3]," * n + "[108.2,15.3]]]}"
    started = time.perf_counter()
    error = refused(value, PARCELS, v.TooManyVertices)
    assert "Hình có hơn 200000 đỉnh" in error.message
    # Counting characters is linear and cheap; parsing 10M vertices would take many seconds.
    assert time.perf_counter() - started < 2


def test_the_vertex_cap_comes_from_settings(settings):
    settings.GEOPLATFORM_MAX_VERTICES = 10
    ring = [(108.2 + 0.001 * i, 15.3 + 0.0001 * i * i) for i in range(20)]
    polygon = shapely.Polygon(ring + [ring[0]]).convex_hull
    assert "Hình có hơn 10 đỉnh" in refused(shapely.to_wkt(polygon), PARCELS, v.TooManyVertices).message
    settings.GEOPLATFORM_MAX_VERTICES = 1000
    assert v.parse_geometry(shapely.to_wkt(polygon), PARCELS).valid


def test_validate_geometry_refuses_other_srids_and_checks_geos_input():
    with pytest.raises(v.GeometryCRSError):
        v.validate_geometry(GEOSGeometry("POINT(846640 1699738)", srid=3405), VILLAGES)
    with pytest.raises(v.InvalidGeometry):
        v.validate_geometry(GEOSGeometry(BOW_TIE_IN_DISTRICT, srid=4326), PARCELS)
    point = v.validate_geometry(GEOSGeometry("POINT(108.23 15.35)"), VILLAGES)
    assert point.srid == 4326


def test_make_valid_preview_is_explicit_and_keeps_the_layer_type(db):
    preview = v.make_valid_preview(GEOSGeometry(BOW_TIE_IN_DISTRICT, srid=4326), PARCELS)
    assert preview["valid"] is False
    assert preview["reason"] == "Self-intersection[108.205 15.305]"
    assert preview["location"] == pytest.approx([108.205, 15.305])
    repaired = preview["geometry"]
    assert repaired.geom_type == "MultiPolygon" and repaired.valid and len(repaired) == 2
    # The repair is only a preview: the caller's geometry is unchanged and still invalid.
    assert not GEOSGeometry(BOW_TIE_IN_DISTRICT).valid


def test_validate_many_gives_the_same_answers_as_one_by_one():
    shapes = [
        shapely.from_wkt(SQUARE),
        shapely.from_wkt(BOW_TIE_IN_DISTRICT),
        shapely.from_wkt("LINESTRING(108.2 15.3,108.21 15.31)"),
        shapely.from_wkt("POLYGON((1 1,1 2,2 2,2 1,1 1))"),
        shapely.from_wkt("POLYGON((108.2 15.3,108.2 NaN,108.21 15.31,108.2 15.3))"),
        shapely.from_wkt("POLYGON Z((108.2 15.3 5,108.2 15.31 5,108.21 15.31 5,108.21 15.3 5,108.2 15.3 5))"),
        shapely.from_wkt("POLYGON EMPTY"),
        None,
        shapely.from_wkt("MULTIPOLYGON(((108.2 15.3,108.2 15.31,108.21 15.31,108.21 15.3,108.2 15.3)))"),
    ]
    many = v.validate_many(shapes, PARCELS)
    for shape, (geometry, reason) in zip(shapes, many, strict=True):
        try:
            expected = v.validate_geometry(v.to_geos(shape) if shape is not None else None, PARCELS)
        except v.GeometryError as exc:
            assert (geometry, reason) == (None, exc.message)
        else:
            assert reason is None and geometry.equals_exact(expected) and geometry.geom_type == "MultiPolygon"
    assert [reason is None for _, reason in many] == [True, False, False, False, False, True, False, False, True]
