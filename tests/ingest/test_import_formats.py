"""Real files of every accepted format, in WGS 84 and VN-2000, imported into villages and parcels."""

import json
import math

import pyproj
import pytest
import shapely

from ingest import imports, vector
from layers.parcels.models import Parcel
from layers.places.models import Village

from .conftest import (
    TM3_PROJ,
    TOWN,
    TOWN_VN2000_TM3_10745,
    TOWN_VN2000_UTM48N,
    square,
    write_ogr,
    zip_shapefile,
)

VILLAGE_COLUMNS = {
    "name": ["Thôn 1", "Thôn 2"],
    "commune": ["Thị trấn Trà My", "tra-my"],
    "households": [120, 85],
    "has_cultural_house": [1, 0],
}
VILLAGE_POINTS = [shapely.Point(108.23, 15.35), shapely.Point(108.25, 15.37)]

# Writing shapefiles, GDAL shortens long names and warns; that is the situation under test.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Normalized/laundered field name:RuntimeWarning", "ignore:'crs' was not provided:UserWarning"
)


def metres_between(a, b) -> float:
    """Distance in metres between two lon/lat points (equirectangular: fine at this scale)."""
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians((a[1] + b[1]) / 2))
    dy = (a[1] - b[1]) * 110_574
    return math.hypot(dx, dy)


def _villages_file(tmp_path, kind):
    if kind == "geojson":
        features = [
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(point),
                "properties": {name: values[i] for name, values in VILLAGE_COLUMNS.items()},
            }
            for i, point in enumerate(VILLAGE_POINTS)
        ]
        path = tmp_path / "villages.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
        return path
    if kind == "csv":
        path = tmp_path / "villages.csv"
        lines = ["name,commune,households,has_cultural_house,lon,lat"]
        for i, point in enumerate(VILLAGE_POINTS):
            row = [str(VILLAGE_COLUMNS[c][i]) for c in ("name", "commune", "households", "has_cultural_house")]
            lines.append(",".join([*row, str(point.x), str(point.y)]))
        path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
        return path
    driver, suffix = {"gpkg": ("GPKG", ".gpkg"), "kml": ("KML", ".kml"), "shp": ("ESRI Shapefile", ".shp")}[kind]
    columns = dict(VILLAGE_COLUMNS)
    path = write_ogr(
        tmp_path / f"villages{suffix}", VILLAGE_POINTS, columns, driver=driver, crs="EPSG:4326", geometry_type="Point"
    )
    return zip_shapefile(path, tmp_path / "villages.zip") if kind == "shp" else path


@pytest.mark.parametrize("kind", ["geojson", "gpkg", "shp", "kml", "csv"])
def test_every_format_lands_villages_at_their_place(commune, tmp_path, kind):
    report = imports.import_file(_villages_file(tmp_path, kind), "villages", staff=True)
    assert (report.read, report.accepted, report.written, report.rejected) == (2, 2, 2, [])
    assert report.crs == "EPSG:4326"
    first, second = Village.objects.order_by("name")
    assert (first.name, first.households, first.commune_id) == ("Thôn 1", 120, commune.pk)
    assert (second.households, second.commune_id) == (85, commune.pk)
    assert metres_between((first.geom.x, first.geom.y), (108.23, 15.35)) < 0.01
    assert first.has_cultural_house is True and second.has_cultural_house is False


@pytest.mark.parametrize("kind", ["gpkg", "shp", "geojson"])
def test_parcels_in_vn2000_utm48n_land_reprojected(db, tmp_path, parcel_rows, kind):
    # Three parcels drawn in VN-2000 / UTM 48N metres, 10 m squares, the first at Trà My town.
    x0, y0 = TOWN_VN2000_UTM48N
    geoms = [shapely.box(x0 + 20 * i, y0, x0 + 20 * i + 10, y0 + 10) for i in range(3)]
    if kind == "geojson":
        path = tmp_path / "parcels.geojson"
        features = [
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(g),
                "properties": {k: v[i] for k, v in parcel_rows["columns"].items()},
            }
            for i, g in enumerate(geoms)
        ]
        crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3405"}}
        path.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": features}))
    else:
        driver, suffix = ("GPKG", ".gpkg") if kind == "gpkg" else ("ESRI Shapefile", ".shp")
        path = write_ogr(
            tmp_path / f"parcels{suffix}",
            geoms,
            parcel_rows["columns"],
            driver=driver,
            crs="EPSG:3405",
            geometry_type="Polygon",
        )
        if kind == "shp":
            path = zip_shapefile(path, tmp_path / "parcels.zip")
    report = imports.import_file(path, "parcels", staff=True)
    assert report.crs == "EPSG:3405" and report.written == 3, report
    assert report.ignored_fields == ["colour"]
    parcel = Parcel.objects.get(parcel_number="101")
    assert parcel.geom.geom_type == "MultiPolygon" and parcel.geom.srid == 4326
    assert parcel.holder_name == "Hồ Văn A" and parcel.land_use_code == "ODT" and parcel.declared_area_m2 == 118.5
    # The area is the platform's own, measured on the ground (EPSG:5899), never copied from the file.
    assert abs(parcel.area_m2 - 100) < 1, parcel.area_m2
    corner = min(parcel.geom[0].exterior_ring.coords)
    assert metres_between(corner, TOWN) < 1.0, corner
    # The test can tell: ignoring the VN-2000 Helmert shift would put the corner ~225 m away.
    no_shift = pyproj.Transformer.from_crs("+proj=utm +zone=48 +ellps=WGS84", "EPSG:4326", always_xy=True)
    assert metres_between(no_shift.transform(*TOWN_VN2000_UTM48N), TOWN) > 100


@pytest.mark.parametrize("srs", ["EPSG:5899", TM3_PROJ])
def test_quang_nam_tm3_107_45_csv_with_srs_lands_within_a_metre(commune, tmp_path, srs):
    path = tmp_path / "villages_tm3.csv"
    x, y = TOWN_VN2000_TM3_10745
    path.write_text(f"name,commune,x,y\nThôn TM3,tra-my,{x},{y}\n", encoding="utf-8")
    with pytest.raises(vector.MissingCRS) as info:
        imports.import_file(path, "villages", staff=True)
    assert "Tệp cần có hệ toạ độ" in info.value.message and info.value.status == 400
    report = imports.import_file(path, "villages", staff=True, srs=srs)
    assert report.written == 1
    village = Village.objects.get(name="Thôn TM3")
    assert metres_between((village.geom.x, village.geom.y), TOWN) < 1.0


def test_parcels_from_kml_and_from_a_csv_of_vn2000_wkt(db, tmp_path, parcel_rows):
    kml = write_ogr(
        tmp_path / "parcels.kml",
        parcel_rows["geoms"],
        parcel_rows["columns"],
        driver="KML",
        crs="EPSG:4326",
        geometry_type="Polygon",
    )
    report = imports.import_file(kml, "parcels", staff=True)
    assert (report.written, report.format) == (3, "kml")
    stored = shapely.from_wkb(bytes(Parcel.objects.get(parcel_number="102").geom.wkb))
    assert shapely.hausdorff_distance(stored, parcel_rows["geoms"][1]) < 1e-9
    x, y = TOWN_VN2000_TM3_10745
    path = tmp_path / "parcels.csv"
    path.write_text(
        "map_sheet,parcel_number,land_use_code,wkt\n"
        # 200 m west of the town: clear of the KML parcels (the desk's rules refuse an overlap).
        f'30,1,ODT,"POLYGON(({x - 200} {y},{x - 180} {y},{x - 180} {y + 20},{x - 200} {y + 20},{x - 200} {y}))"\n',
        encoding="utf-8",
    )
    report = imports.import_file(path, "parcels", staff=True, srs="EPSG:5899")
    assert report.written == 1
    parcel = Parcel.objects.get(map_sheet="30")
    assert abs(metres_between(min(parcel.geom[0].exterior_ring.coords), TOWN) - 200) < 1.0
    # 20 m x 20 m in the projected plane: about 400 m² on the ground.
    assert abs(parcel.geom.transform(5899, clone=True).area - 400) < 1


def test_srs_override_wins_over_the_file_and_unsafe_srs_is_refused(db, tmp_path, parcel_rows):
    x0, y0 = TOWN_VN2000_TM3_10745
    geoms = [shapely.box(x0 + 20 * i, y0, x0 + 20 * i + 10, y0 + 10) for i in range(3)]
    # A file wrongly labelled UTM 48N; the user knows it is TM-3 107°45'.
    path = write_ogr(
        tmp_path / "p.gpkg", geoms, parcel_rows["columns"], driver="GPKG", crs="EPSG:3405", geometry_type="Polygon"
    )
    report = imports.import_file(path, "parcels", staff=True, srs="EPSG:5899", dry_run=True)
    assert report.accepted == 3 and report.written == 0 and Parcel.objects.count() == 0
    for bad in ("http://127.0.0.1:9/crs", "/etc/passwd", "+proj=longlat +nadgrids=/tmp/x.gsb", "+init=epsg:4326"):
        with pytest.raises(vector.VectorFileError) as info:
            imports.import_file(path, "parcels", staff=True, srs=bad)
        assert info.value.field == "srs"


def test_crs_by_url_in_srs_or_geojson_is_never_fetched(db, tmp_path, loopback_listener):
    url, hits = loopback_listener
    path = tmp_path / "v.geojson"
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [108.23, 15.35]}, "properties": {}}
    for crs in (
        {"type": "link", "properties": {"href": url + "/crs.wkt"}},
        {"type": "name", "properties": {"name": url}},
    ):
        path.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": [feature]}))
        with pytest.raises(vector.VectorFileError):
            imports.import_file(path, "villages", staff=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    for srs in (url + "/epsg/4326", f"+proj=longlat +nadgrids=@{url}/x.tif", f'GEOGCS["x",AUTHORITY["{url}","1"]]'):
        with pytest.raises(vector.VectorFileError):
            imports.import_file(path, "villages", staff=True, srs=srs)
    assert hits == []


def test_a_shapefile_without_prj_needs_a_crs(db, tmp_path, parcel_rows):
    shp = write_ogr(
        tmp_path / "noprj.shp",
        parcel_rows["geoms"],
        parcel_rows["columns"],
        driver="ESRI Shapefile",
        crs=None,
        geometry_type="Polygon",
    )
    path = zip_shapefile(shp, tmp_path / "noprj.zip", with_prj=False)
    with pytest.raises(vector.MissingCRS, match="Tệp cần có hệ toạ độ"):
        imports.import_file(path, "parcels", staff=True)
    assert Parcel.objects.count() == 0
    assert imports.import_file(path, "parcels", staff=True, srs="EPSG:4326").written == 3


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
        "<!DOCTYPE kml>",
    ],
)
def test_kml_with_doctype_or_entity_is_refused(commune, tmp_path, prolog):
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>' + prolog + '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        "<Placemark><name>&lol2;</name><Point><coordinates>108.23,15.35</coordinates></Point></Placemark>"
        "</Document></kml>"
    )
    if "lol2" not in prolog:
        body = body.replace("&lol2;", "Thôn X")
    path = tmp_path / "evil.kml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(vector.VectorFileError, match="DOCTYPE/ENTITY") as info:
        imports.import_file(path, "villages", staff=True)
    assert info.value.status == 400 and Village.objects.count() == 0


def test_kml_network_links_are_refused_unfetched(commune, tmp_path):
    path = tmp_path / "link.kml"
    path.write_text(
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        "<NetworkLink><Link><href>http://127.0.0.1:9/more.kml</href></Link></NetworkLink>"
        "<Placemark><name>Thôn X</name><Point><coordinates>108.23,15.35</coordinates></Point></Placemark>"
        "</Document></kml>",
        encoding="utf-8",
    )
    with pytest.raises(vector.VectorFileError, match="NetworkLink bị từ chối"):
        imports.import_file(path, "villages", staff=True)


def test_a_vrt_renamed_to_gpkg_or_kml_never_reaches_gdal(db, tmp_path):
    vrt = (
        '<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource>'
        "</OGRVRTLayer></OGRVRTDataSource>"
    )
    for name in ("x.gpkg", "x.kml"):
        path = tmp_path / name
        path.write_text(vrt)
        with pytest.raises(vector.VectorFileError) as info:
            imports.import_file(path, "parcels", staff=True)
        assert info.value.code == "bad_format"


def test_a_truncated_geopackage_is_a_clear_400(db, tmp_path, parcel_rows):
    many = [square(108.23 + 0.0011 * (i % 90), 15.35 + 0.0011 * (i // 90)) for i in range(400)]
    columns = {
        "map_sheet": ["7"] * 400,
        "parcel_number": [str(i) for i in range(400)],
        "land_use_code": ["ODT"] * 400,
    }
    path = write_ogr(tmp_path / "whole.gpkg", many, columns, driver="GPKG", crs="EPSG:4326", geometry_type="Polygon")
    data = path.read_bytes()
    cut = tmp_path / "cut.gpkg"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(vector.VectorFileError, match="tệp bị cắt cụt hoặc hỏng") as info:
        imports.import_file(cut, "parcels", staff=True)
    assert info.value.status == 400 and Parcel.objects.count() == 0
    assert imports.import_file(path, "parcels", staff=True).written == 400


def test_files_with_several_layers_need_a_choice(db, tmp_path, parcel_rows):
    path = tmp_path / "two.gpkg"
    write_ogr(
        path,
        parcel_rows["geoms"],
        parcel_rows["columns"],
        driver="GPKG",
        crs="EPSG:4326",
        geometry_type="Polygon",
        layer="a",
    )
    write_ogr(
        path,
        parcel_rows["geoms"][:1],
        {"note": ["x"]},
        driver="GPKG",
        crs="EPSG:4326",
        geometry_type="Polygon",
        layer="b",
        append=False,
    )
    with pytest.raises(vector.VectorFileError, match="Tệp có 2 lớp"):
        imports.import_file(path, "parcels", staff=True)
    assert imports.import_file(path, "parcels", staff=True, source_layer="a").written == 3


def test_text_formats_over_their_cap_are_refused_before_parsing(db, tmp_path, monkeypatch):
    monkeypatch.setattr(vector, "MAX_TEXT_BYTES", 1000)
    path = tmp_path / "big.geojson"
    path.write_text('{"type":"FeatureCollection","features":[' + " " * 2000 + "]}")
    with pytest.raises(vector.VectorFileError, match="hãy gửi tệp GeoPackage") as info:
        imports.import_file(path, "villages", staff=True)
    assert (info.value.code, info.value.status) == ("too_large", 413)


def test_a_geopackage_without_a_crs_needs_one_and_lands_with_srs(db, tmp_path):
    x0, y0 = TOWN_VN2000_UTM48N
    attributes = {"map_sheet": ["1"], "parcel_number": ["1"], "land_use_code": ["ODT"]}
    path = write_ogr(
        tmp_path / "n.gpkg", [square(x0, y0, 20)], attributes, driver="GPKG", crs=None, geometry_type="Polygon"
    )
    with pytest.raises(vector.MissingCRS, match="Tệp cần có hệ toạ độ"):
        imports.import_file(path, "parcels", staff=True)
    assert Parcel.objects.count() == 0
    assert imports.import_file(path, "parcels", staff=True, srs="EPSG:3405").written == 1
    centre = Parcel.objects.get().geom.centroid
    assert metres_between((centre.x, centre.y), TOWN) < 50
