"""Split a parcel by a line and merge adjacent parcels: one transaction each, new numbers, lineage kept."""

from __future__ import annotations

import shapely
import shapely.ops
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from geoplatform.errors import NotFound
from layers.api.errors import VersionRequired
from layers.api.features import check_if_match

from . import services
from .models import Lineage, Parcel

INHERITED = ("map_sheet", "land_use_code", "address", "holder_name", "legal_status")


def _multi(shape: shapely.Geometry) -> MultiPolygon:
    geom = GEOSGeometry(memoryview(shape.wkb), srid=4326)
    return geom if geom.geom_type == "MultiPolygon" else MultiPolygon(geom, srid=4326)


def next_number(commune, sheet: str, taken: int = 0) -> str:
    """The next free parcel number on a map sheet of a commune (the largest number plus one)."""
    numbers = Parcel.objects.filter(commune=commune, map_sheet=sheet, parcel_number__regex=r"^\d{1,9}$")
    top = numbers.aggregate(top=Max(Cast("parcel_number", output_field=Parcel._meta.get_field("id"))))["top"]
    return str((top or 0) + 1 + taken)


def _locked(ids_and_tags: dict[int, str | None]) -> list[Parcel]:
    """The parcels locked for update, each checked against the ETag the editor read."""
    found = {p.pk: p for p in Parcel.objects.select_for_update().filter(pk__in=list(ids_and_tags)).order_by("pk")}
    for pk, tag in ids_and_tags.items():
        if pk not in found:
            raise NotFound(_("Không có thửa %(id)s") % {"id": pk}, field="parcels")
        if not tag:
            raise VersionRequired(_("Hãy gửi ETag đã đọc của thửa %(id)s") % {"id": pk}, field="versions")
        check_if_match(tag, found[pk].version)
    return [found[pk] for pk in ids_and_tags]


def _child(parent: Parcel, shape: shapely.Geometry, number: str, user) -> Parcel:
    child = Parcel(**{name: getattr(parent, name) for name in INHERITED}, parcel_number=number, geom=_multi(shape))
    child.updated_by = user if user.is_authenticated else None
    services.before_write(child, user, geometry_changed=True)
    child.full_clean()
    child.save()
    return child


def _lineage(parents: list[tuple[int, str]], children: list[Parcel], operation: str) -> None:
    Lineage.objects.bulk_create(
        Lineage(parent_id_value=pk, parent_label=label, child=c, operation=operation)
        for pk, label in parents
        for c in children
    )


def split(parcel_id: int, line, user, *, if_match: str | None, reason: str) -> list[Parcel]:
    """Cut a parcel in two or more along a drawn line; the children get new numbers on the same sheet."""
    cutter = shapely.from_wkb(bytes(line.wkb)) if hasattr(line, "wkb") else line
    if cutter.geom_type != "LineString":
        raise services.ParcelRefused(_("Hãy vẽ một đường để tách thửa"), code="split_line", field="line")
    with transaction.atomic(), services.write_context(user, reason):
        services.lock()
        [parent] = _locked({parcel_id: if_match})
        shape = shapely.from_wkb(bytes(parent.geom.wkb))
        pieces = [p for p in shapely.ops.split(shape, cutter).geoms if p.area > 0]
        if len(pieces) < 2:
            message = _("Đường tách phải cắt ngang qua thửa từ cạnh này sang cạnh kia")
            raise services.ParcelRefused(message, code="split_line", field="line")
        # Numbered before the parent goes, so a child never takes the parent's own number.
        numbers = [next_number(parent.commune, parent.map_sheet, i) for i in range(len(pieces))]
        was = [(parent.pk, str(parent))]
        parent.delete()
        ordered = sorted(pieces, key=lambda p: -p.area)
        children = [_child(parent, piece, number, user) for piece, number in zip(ordered, numbers, strict=True)]
        _lineage(was, children, Lineage.SPLIT)
    return children


def merge(tags: dict[int, str | None], user, *, reason: str) -> Parcel:
    """Join two or more adjacent parcels into one with a new number; the parents are gone, their lineage kept."""
    if len(tags) < 2:
        raise services.ParcelRefused(_("Hãy chọn ít nhất hai thửa liền kề để hợp"), code="merge", field="parcels")
    with transaction.atomic(), services.write_context(user, reason):
        services.lock()
        parents = _locked(tags)
        shapes = [shapely.from_wkb(bytes(p.geom.wkb)) for p in parents]
        # Shared edges may differ by float noise; a centimetre of closing joins them and is taken back.
        joined = shapely.union_all(shapes)
        if joined.geom_type != "Polygon":
            joined = shapely.union_all([s.buffer(1e-7, join_style="mitre") for s in shapes]).buffer(
                -1e-7, join_style="mitre"
            )
        if joined.geom_type != "Polygon":
            message = _("Các thửa được chọn không liền kề nhau nên không hợp được")
            raise services.ParcelRefused(message, code="not_adjacent", field="parcels")
        first = parents[0]
        number = next_number(first.commune, first.map_sheet)
        was = [(p.pk, str(p)) for p in parents]
        for parent in parents:
            parent.delete()
        child = _child(first, joined, number, user)
        _lineage(was, [child], Lineage.MERGE)
    return child
