"""The parcel rules with the database: neighbours, district, commune, land-use table, unique numbers.

``before_write`` is the hook every generic write path calls (REST, OGC Part 4, import, admin, the
desk) with the row locked inside the write's transaction; ``write_context`` attaches the user and
the reason to the history rows the database triggers write.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import pghistory
import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import connection
from django.utils.translation import gettext as _

from geoplatform.errors import Conflict, PlatformError

from . import rules
from .models import LandUse, Parcel

# One advisory lock for parcel geometry writes: two editors drawing in the same place at once
# would each pass the overlap check against the other's not-yet-committed parcel.
_LOCK = 0x5041_5243  # "PARC"
NEIGHBOUR_MARGIN_DEG = 1e-5  # about a metre around the shape: enough for the 0.2 m snap


class ParcelRefused(PlatformError):
    """A parcel rule refused the write; carries the place and, for overlaps, the parcels and areas."""

    status = 400
    code = "parcel_rule"

    def __init__(self, message, *, code, field="geometry", location=None, overlaps=None):
        super().__init__(message, field=field, code=code)
        self.location = location
        self.overlaps = overlaps or []

    def as_dict(self) -> dict:
        """The error body with the place and the overlaps (each with its shape for the map)."""
        body = super().as_dict()
        if self.location is not None:
            body["error"]["location"] = self.location
        if self.overlaps:
            body["error"]["overlaps"] = self.overlaps
        return body


class NumberTaken(Conflict):
    """(map sheet, parcel number) already used in the commune."""

    code = "parcel_number_taken"


def layer():
    """The parcels' registry entry."""
    from layers.registry import registry

    return registry.get("parcels")


def _label(sheet: str, number: str) -> str:
    return _("tờ %(sheet)s thửa %(number)s") % {"sheet": sheet, "number": number}


def _refusal(broken: rules.RuleBroken) -> ParcelRefused:
    f = broken.figures
    if broken.kind == "too_many_vertices":
        message = _("Thửa đất có %(count)s đỉnh, quá giới hạn %(cap)s đỉnh") % f
        return ParcelRefused(message, code="too_many_vertices")
    if broken.kind == "spike":
        message = _("Hình có một gai nhọn (hai cạnh gần trùng nhau) tại kinh độ %(x)s, vĩ độ %(y)s")
        place = {"x": broken.location[0], "y": broken.location[1]}
        return ParcelRefused(message % place, code="spike", location=broken.location)
    if broken.kind == "sliver_area":
        message = _("Thửa quá nhỏ (mảnh vụn): %(area).2f m², tối thiểu %(minimum)s m²") % f
        return ParcelRefused(message, code="sliver", location=broken.location)
    if broken.kind == "sliver_thin":
        message = _("Thửa quá hẹp (mảnh vụn): bề rộng trung bình %(width).2f m") % f
        return ParcelRefused(message, code="sliver", location=broken.location)
    found = f["found"]
    names = "; ".join(_("%(label)s (chồng %(area).1f m²)") % {"label": o.key[1], "area": o.area_m2} for o in found)
    message = _("Thửa chồng lên thửa khác quá %(tolerance)s m²: %(names)s") % {
        "tolerance": rules.OVERLAP_TOLERANCE_M2,
        "names": names,
    }
    overlaps = [
        {
            "id": o.key[0],
            "label": o.key[1],
            "area_m2": round(o.area_m2, 2),
            "geometry": json.loads(shapely.to_geojson(o.shape)),
        }
        for o in found
    ]
    return ParcelRefused(message, code="overlap", overlaps=overlaps)


def neighbours(shape: shapely.Geometry, exclude_pk=None) -> dict:
    """Parcels around a lon/lat shape: {(pk, label): shape} from the spatial index."""
    west, south, east, north = shape.bounds
    m = NEIGHBOUR_MARGIN_DEG
    box = Polygon.from_bbox((west - m, south - m, east + m, north + m))
    box.srid = 4326
    rows = Parcel.objects.filter(geom__bboverlaps=box)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    found = {}
    for pk, sheet, number, geom in rows.values_list("pk", "map_sheet", "parcel_number", "geom"):
        found[(pk, _label(sheet, number))] = shapely.from_wkb(bytes(geom.wkb))
    return found


_PLACE_SQL = """
    SELECT EXISTS (SELECT 1 FROM places_district),
           EXISTS (SELECT 1 FROM places_district WHERE ST_Covers(geom, g)),
           EXISTS (SELECT 1 FROM places_commune),
           (SELECT id FROM places_commune WHERE ST_Intersects(geom, g)
             ORDER BY ST_Area(ST_Intersection(geom, g)) DESC, id LIMIT 1)
    FROM (SELECT ST_GeomFromEWKB(%s) AS g) AS shape
"""


def place_of(geom: GEOSGeometry) -> tuple[bool, bool, int | None]:
    """(inside the district or none known, inside a commune or none known, id of the commune holding most of it)."""
    with connection.cursor() as cursor:
        cursor.execute(_PLACE_SQL, [bytes(geom.ewkb)])
        any_district, inside, any_commune, commune = cursor.fetchone()
    return (inside or not any_district), (commune is not None or not any_commune), commune


def _check_place(geom: GEOSGeometry):
    in_district, in_commune, commune = place_of(geom)
    if not in_district:
        raise ParcelRefused(_("Thửa đất phải nằm trọn trong huyện"), code="outside_district")
    if not in_commune:
        raise ParcelRefused(_("Thửa đất không thuộc xã, thị trấn nào của huyện"), code="outside_communes")
    return commune


def _check_land_use(code: str) -> None:
    if not LandUse.objects.filter(code=code).exists():
        known = ", ".join(LandUse.objects.values_list("code", flat=True)[:12])
        message = _("Mã loại đất “%(code)s” không có trong danh mục (ví dụ: %(known)s …)") % {
            "code": str(code)[:20],
            "known": known,
        }
        raise ParcelRefused(message, code="unknown_land_use", field="land_use_code")


def _check_number(obj: Parcel) -> None:
    taken = Parcel.objects.filter(
        commune_id=obj.commune_id, map_sheet=obj.map_sheet, parcel_number=obj.parcel_number
    ).exclude(pk=obj.pk)
    if taken.exists():
        message = _("Số thửa %(number)s của tờ %(sheet)s đã có trong xã này") % {
            "number": obj.parcel_number,
            "sheet": obj.map_sheet,
        }
        raise NumberTaken(message, field="parcel_number")


def check_geometry(geom: GEOSGeometry, exclude_pk=None) -> rules.Checked:
    """Vertices, spikes, slivers, snapping and overlaps of a lon/lat geometry among its neighbours."""
    shape = shapely.from_wkb(bytes(geom.wkb))
    try:
        rules.check_vertices(shape)
        return rules.check(shape, neighbours(shape, exclude_pk))
    except rules.RuleBroken as broken:
        raise _refusal(broken) from None


def lock() -> None:
    """Serialise parcel geometry writes until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])


def before_write(obj: Parcel, user, *, geometry_changed: bool = True) -> None:
    """Every rule for a parcel about to be saved (inside the write's transaction); fills computed fields."""
    _check_land_use(obj.land_use_code)
    if obj.declared_area_m2 is not None and obj.declared_area_m2 <= 0:
        message = _("Diện tích kê khai phải lớn hơn 0")
        raise ParcelRefused(message, code="invalid_declared_area", field="declared_area_m2")
    if geometry_changed or obj.pk is None:
        lock()
        checked = check_geometry(obj.geom, exclude_pk=obj.pk)
        snapped = GEOSGeometry(memoryview(checked.shape.wkb), srid=4326)
        if snapped.geom_type == "Polygon":
            snapped = MultiPolygon(snapped, srid=4326)
        obj.geom = snapped
        obj.area_m2 = round(checked.area_m2, 2)
        obj.commune_id = _check_place(obj.geom)
    obj.area_mismatch = rules.declared_mismatch(obj.area_m2, obj.declared_area_m2)
    _check_number(obj)


@contextmanager
def write_context(user, reason: str | None):
    """Attach the user and the reason to every history row written inside the block."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    with pghistory.context(user=user_id, reason=(reason or "")[:500]):
        yield
