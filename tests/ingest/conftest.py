"""Fixtures of the import tests: a commune inside the district and writers of small real files."""

import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.contrib.gis.geos import MultiPolygon, Polygon
from pyogrio import raw

# Trà My town in WGS 84, and the same place in VN-2000 computed with the seven parameters published
# by the Ministry (MONRE decision 05/2007: -191.90441429, -39.30318279, -111.45032835 m,
# -0.00928836, 0.01975479, -0.00427372", 0.252906278 ppm) through an explicit +towgs84 pipeline.
TOWN = (108.23, 15.35)
TOWN_VN2000_UTM48N = (846640.7545365037, 1699738.8434248352)  # EPSG:3405
TOWN_VN2000_TM3_10745 = (551340.1714671685, 1697717.7341180001)  # TM-3 107°45', k=0.9999, FE 500 km
TM3_PROJ = (
    "+proj=tmerc +lat_0=0 +lon_0=107.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278 "
    "+units=m +no_defs"
)


@pytest.fixture
def commune(db):
    """The district and one commune (the town) around Trà My, for villages to point at."""
    from layers.places.models import Commune, District

    box = MultiPolygon(Polygon.from_bbox((108.0, 15.15, 108.4, 15.45)), srid=4326)
    district = District.objects.create(name="Bắc Trà My", geom=box)
    return Commune.objects.create(district=district, name="Thị trấn Trà My", code="tra-my", kind="town", geom=box)


def square(x: float, y: float, size: float = 0.001) -> shapely.Polygon:
    """A small square parcel with its south-west corner at (x, y)."""
    return shapely.box(x, y, x + size, y + size)


BOW_TIE = shapely.Polygon([(108.2, 15.3), (108.2, 15.302), (108.202, 15.3), (108.202, 15.302), (108.2, 15.3)])


def write_ogr(path: Path, geoms, columns: dict, *, driver: str, crs: str | None, geometry_type: str, **kw) -> Path:
    """Write a real vector file with GDAL (pyogrio)."""
    wkb = np.array([shapely.to_wkb(g) if g is not None else None for g in geoms], dtype=object)
    fields = list(columns)
    data = [np.array(columns[name]) for name in fields]
    raw.write(str(path), wkb, data, fields, driver=driver, crs=crs, geometry_type=geometry_type, **kw)
    return path


def zip_shapefile(shp: Path, target: Path, *, with_prj: bool = True) -> Path:
    """Zip a shapefile's sidecar files (optionally without its .prj)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for suffix in (".shp", ".shx", ".dbf", ".cpg") + ((".prj",) if with_prj else ()):
            sidecar = shp.with_suffix(suffix)
            if sidecar.exists():
                zf.write(sidecar, sidecar.name)
    return target


@pytest.fixture
def parcel_rows():
    """Three valid parcels in the town (attributes as a cadastral office would send them)."""
    return {
        "geoms": [square(108.2300, 15.3500), square(108.2320, 15.3500), square(108.2340, 15.3500)],
        "columns": {
            "map_sheet": ["12", "12", "12"],
            "parcel_number": ["101", "102", "103"],
            "land_use_code": ["ODT", "ONT", "CLN"],
            "declared_area_m2": [118.5, 120.0, 95.25],
            "holder_name": ["Hồ Văn A", "Nguyễn Thị B", "Trần C"],
            "colour": ["red", "green", "blue"],
        },
    }


@pytest.fixture
def loopback_listener():
    """A TCP listener on 127.0.0.1 that counts connections: proof that a URL was never fetched."""
    import socket
    import threading

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            hits.append(1)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", hits
    stop.set()
    thread.join(timeout=2)
    server.close()
