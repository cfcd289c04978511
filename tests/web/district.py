"""A tiny synthetic district made by the tests: DEM GeoTIFF, communes, villages, a river, theme rows."""

from datetime import timedelta
from pathlib import Path

import numpy as np
from django.contrib.gis.geos import LineString, MultiLineString, MultiPolygon, Point, Polygon
from django.utils import timezone

XSS = "<img src=x onerror=alert(1)>"
DEM_BOUNDS = (108.10, 15.25, 108.30, 15.40)  # west, south, east, north


def write_dem(folder: Path) -> Path:
    """A 160x120 float32 GeoTIFF of two hills and a valley (EPSG:4326, nodata -9999 in one corner)."""
    import rasterio
    from rasterio.transform import from_bounds

    width, height = 160, 120
    west, south, east, north = DEM_BOUNDS
    lon = np.linspace(west, east, width)
    lat = np.linspace(north, south, height)
    x, y = np.meshgrid(lon, lat)
    hill = 900 * np.exp(-(((x - 108.15) / 0.04) ** 2 + ((y - 15.35) / 0.03) ** 2))
    hill2 = 600 * np.exp(-(((x - 108.25) / 0.03) ** 2 + ((y - 15.29) / 0.04) ** 2))
    elevation = (250 + hill + hill2 + 40 * np.sin(x * 300)).astype("float32")
    elevation[:6, :6] = -9999
    path = folder / "dem-test.tif"
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": from_bounds(west, south, east, north, width, height),
        "nodata": -9999,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(elevation, 1)
    return path


def box(w, s, e, n) -> MultiPolygon:
    """A rectangle as a MultiPolygon in EPSG:4326."""
    return MultiPolygon(Polygon.from_bbox((w, s, e, n)), srid=4326)


def add_coverage_run(villages: dict, covered: dict, *, what_if: bool = False, status: str = "succeeded"):
    """A coverage run of the coverage app with village statuses: ``covered`` maps a village key to
    the (operator, technology) pairs that cover it; every other pair of the run is "none"."""
    from layers.telecom.models import CoverageRun, VillageCoverage

    run = CoverageRun.objects.create(status=status, what_if=what_if, finished_at=timezone.now())
    for key, village in villages.items():
        for op in ("viettel", "vnpt", "mobifone"):
            for tech in ("2G", "3G", "4G"):
                VillageCoverage.objects.create(
                    run=run,
                    village=village,
                    operator=op,
                    technology=tech,
                    status="covered" if (op, tech) in covered.get(key, ()) else "none",
                    geom=village.geom,
                )
    return run


def build(data_dir: Path, now=None) -> dict:
    """Create the district's rows and the DEM asset; return them by name."""
    from ingest.models import IngestRun, RasterAsset
    from layers.cameras.models import Camera, Device
    from layers.feedback.models import Complaint
    from layers.fire.models import FireEvent, Hotspot
    from layers.places.models import Commune, District, River, Village
    from layers.telecom.models import CoverageGap, SignalMeasurement, WifiPoint

    now = now or timezone.now()
    data_dir.mkdir(parents=True, exist_ok=True)
    dem = write_dem(data_dir)
    asset = RasterAsset.objects.create(
        kind="dem",
        name="test DEM",
        path=str(dem),
        crs="EPSG:4326",
        width=160,
        height=120,
        bounds=list(DEM_BOUNDS),
        resolution=[0.00125, 0.00125],
        nodata=-9999,
        synthetic=True,
    )
    district = District.objects.create(name="Huyện Thử", name_en="Test district", synthetic=True, geom=box(*DEM_BOUNDS))
    west = Commune.objects.create(
        district=district, name="Xã Tây Sơn", code="tay-son", population=3000, geom=box(108.10, 15.25, 108.20, 15.40)
    )
    east = Commune.objects.create(
        district=district,
        name="Xã Đông Giang",
        code="dong-giang",
        kind="commune",
        population=2500,
        geom=box(108.20, 15.25, 108.30, 15.40),
    )
    villages = {
        "a": Village.objects.create(
            commune=west,
            name="Thôn Nước Xa",
            households=80,
            population=320,
            geom=Point(108.13, 15.36, srid=4326),
            elevation_m=800,
        ),
        "b": Village.objects.create(
            commune=west,
            name="Thôn Làng Mới",
            households=60,
            population=250,
            geom=Point(108.17, 15.28, srid=4326),
            elevation_m=400,
        ),
        "c": Village.objects.create(
            commune=east,
            name="Thôn Suối Đá",
            households=40,
            population=150,
            geom=Point(108.24, 15.33, srid=4326),
            elevation_m=500,
        ),
        "d": Village.objects.create(
            commune=east,
            name="Tổ Trung Tâm",
            households=120,
            population=500,
            has_cultural_house=False,
            geom=Point(108.27, 15.27, srid=4326),
        ),
    }
    River.objects.create(
        name="Sông Thử",
        geom=MultiLineString(LineString((108.10, 15.31), (108.18, 15.32), (108.22, 15.30), (108.30, 15.31)), srid=4326),
    )
    # Village a: no signal from any operator. Village c: no Viettel and VNPT, but MobiFone works.
    for op in ("viettel", "vnpt", "mobifone"):
        CoverageGap.objects.create(
            operator=op, technology="4G", severity="none", computed_at=now, geom=box(108.12, 15.35, 108.14, 15.37)
        )
    for op in ("viettel", "vnpt"):
        CoverageGap.objects.create(
            operator=op, technology="3G", severity="none", computed_at=now, geom=box(108.23, 15.32, 108.25, 15.34)
        )
    CoverageGap.objects.create(
        operator="mobifone", technology="4G", severity="weak", computed_at=now, geom=box(108.23, 15.32, 108.25, 15.34)
    )
    WifiPoint.objects.create(
        name="Wi-Fi NVH Làng Mới",
        site_kind="cultural_house",
        status="active",
        village=villages["b"],
        geom=Point(108.171, 15.281, srid=4326),
    )
    WifiPoint.objects.create(
        name="Wi-Fi NVH Nước Xa (quy hoạch)",
        site_kind="cultural_house",
        status="planned",
        village=villages["a"],
        geom=Point(108.131, 15.361, srid=4326),
    )
    WifiPoint.objects.create(
        name="Wi-Fi trường Suối Đá",
        site_kind="school",
        status="active",
        village=villages["c"],
        geom=Point(108.241, 15.331, srid=4326),
    )
    complaint_rows = [
        ("BTM-0001", "road", XSS, "received", west, now - timedelta(days=2), now - timedelta(hours=3)),
        (
            "BTM-0002",
            "water",
            "Nước sinh hoạt đục",
            "in_progress",
            east,
            now - timedelta(days=9),
            now + timedelta(days=2),
        ),
        ("BTM-0003", "road", "Sạt lở đường", "resolved", east, now - timedelta(days=20), now - timedelta(days=10)),
        ("BTM-0004", "power", "Mất điện", "acknowledged", east, now - timedelta(days=1), now - timedelta(hours=1)),
    ]
    has_deadline = any(f.name == "expected_at" for f in Complaint._meta.get_fields())
    complaints = []
    for code, cat, text, status, commune, created, expected in complaint_rows:
        extra = {"expected_at": expected} if has_deadline else {}
        complaints.append(
            Complaint.objects.create(
                tracking_code=code,
                category=cat,
                description=text,
                status=status,
                commune=commune,
                created_at=created,
                reporter_name="Nguyễn Văn Riêng",
                reporter_phone="0905000111",
                geom=Point(108.16, 15.34, srid=4326) if code == "BTM-0001" else Point(108.26, 15.30, srid=4326),
                **extra,
            )
        )
    Camera.objects.create(
        name="Camera chợ",
        kind="security",
        status="online",
        last_seen_at=now,
        stream_url="rtsp://secret.example/cho",
        geom=Point(108.21, 15.33, srid=4326),
    )
    Camera.objects.create(
        name="Camera ngầm",
        kind="water_level",
        status="offline",
        last_seen_at=now - timedelta(days=1),
        stream_url="rtsp://secret.example/ngam",
        geom=Point(108.19, 15.31, srid=4326),
    )
    Camera.objects.create(
        name="Camera trường",
        kind="school",
        status="offline",
        stream_url="rtsp://secret.example/truong",
        geom=Point(108.22, 15.36, srid=4326),
    )
    # The dashboard counts what the health checks found, so each camera has its checked device.
    for camera in Camera.objects.all():
        Device.objects.create(
            name=camera.name, kind=camera.kind, camera=camera, url="http://127.0.0.1:9/", status=camera.status
        )
    for i, hours in enumerate((2, 5, 20, 50, 75)):
        Hotspot.objects.create(
            source="VIIRS_SNPP_NRT",
            satellite="N",
            instrument="VIIRS",
            confidence="nominal",
            acquired_at=now - timedelta(hours=hours),
            frp=5.0 + i,
            geom=Point(108.15 + i * 0.01, 15.30, srid=4326),
        )
    # Two open alerts (the newer one near Làng Mới) and a closed one the panel must not list.
    for state, hours, village in (("new", 1, "b"), ("dispatched", 5, "c"), ("closed", 30, "a")):
        v = villages[village]
        FireEvent.objects.create(
            alert_state=state,
            alerted_at=now - timedelta(hours=hours),
            first_seen=now - timedelta(hours=hours + 1),
            last_seen=now - timedelta(hours=hours),
            hotspot_count=2,
            commune=v.commune,
            nearest_village=v,
            village_distance_m=450,
            centroid=Point(v.geom.x + 0.004, v.geom.y, srid=4326),
            geom=Polygon.from_bbox((v.geom.x + 0.003, v.geom.y - 0.001, v.geom.x + 0.005, v.geom.y + 0.001)),
        )
    SignalMeasurement.objects.create(
        operator="viettel",
        technology="4G",
        dbm=-101,
        measured_at=now,
        device="secret-phone-imei",
        geom=Point(108.18, 15.33, srid=4326),
    )
    IngestRun.objects.create(source="FIRMS", kind="firms", status="succeeded", rows_new=5)
    IngestRun.objects.create(source="DEM", kind="dem", status="failed", message="cut off")
    return {"dem": asset, "communes": [west, east], "villages": villages, "complaints": complaints}
