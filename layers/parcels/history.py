"""A parcel's history as people read it (who, when, why, what changed), and revert as a new version.

The rows are written by database triggers (django-pghistory), so a bulk update or plain SQL is
recorded as well as the desk's, the API's and the admin's writes; those carry user and reason.
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from geoplatform.errors import NotFound
from layers.api.errors import VersionRequired
from layers.api.features import check_if_match

from . import services
from .models import RECORD_FIELDS, Parcel

Event = Parcel.pgh_event_model
# What a person may want to see change, in the order of the attribute form.
COMPARED = (*RECORD_FIELDS, "commune_id", "geom")
RESTORED = ("map_sheet", "parcel_number", "land_use_code", "declared_area_m2", "address", "holder_name", "legal_status")


def _label(kind: str) -> str:
    return {"insert": _("tạo mới"), "update": _("sửa"), "delete": _("xoá")}.get(kind, kind)


def events(parcel_id: int, *, private: bool) -> list[dict]:
    """Every recorded version of a parcel, oldest first, with who, when, why and what changed."""
    rows = list(Event.objects.filter(pgh_obj_id=parcel_id).select_related("pgh_context").order_by("pgh_id"))
    users = {}
    ids = {(r.pgh_context.metadata or {}).get("user") for r in rows if r.pgh_context_id}
    if ids - {None}:
        users = dict(get_user_model().objects.filter(pk__in=ids - {None}).values_list("pk", "username"))
    out, previous = [], None
    for row in rows:
        meta = (row.pgh_context.metadata or {}) if row.pgh_context_id else {}
        changed = [
            name
            for name in COMPARED
            if previous is None or getattr(previous, name) != getattr(row, name)
            if private or name != "holder_name"
        ]
        if previous is None or row.pgh_label == "delete":
            changed = []  # a birth or a deletion changes everything; listing it all says nothing
        out.append(
            {
                "id": row.pgh_id,
                "kind": row.pgh_label,
                "kind_label": _label(row.pgh_label),
                "at": row.pgh_created_at.isoformat(),
                "user": users.get(meta.get("user")),
                "reason": meta.get("reason") or ("" if meta else _("thay đổi trực tiếp trong cơ sở dữ liệu")),
                "version": row.version,
                "changed": ["geometry" if name == "geom" else name.removesuffix("_id") for name in changed],
                "properties": {
                    "map_sheet": row.map_sheet,
                    "parcel_number": row.parcel_number,
                    "land_use_code": row.land_use_code,
                    "area_m2": row.area_m2,
                    "declared_area_m2": row.declared_area_m2,
                    "address": row.address,
                    "legal_status": row.legal_status,
                    **({"holder_name": row.holder_name} if private else {}),
                },
                "geometry": json.loads(row.geom.geojson) if row.geom else None,
            }
        )
        previous = row
    return out


def revert(parcel_id: int, event_id: int, user, *, if_match: str | None, reason: str) -> Parcel:
    """Bring a parcel back to a recorded version, as a new version checked by every rule."""
    if not if_match:
        raise VersionRequired(_("Hãy gửi tiêu đề If-Match với ETag bạn đã đọc"), field="If-Match")
    old = Event.objects.filter(pgh_obj_id=parcel_id, pgh_id=event_id).first()
    if old is None:
        raise NotFound(_("Không có phiên bản %(id)s của thửa này") % {"id": event_id}, field="event")
    with transaction.atomic(), services.write_context(user, reason):
        parcel = Parcel.objects.select_for_update().filter(pk=parcel_id).first()
        if parcel is None:
            raise NotFound(_("Không có thửa %(id)s") % {"id": parcel_id}, field="id")
        check_if_match(if_match, parcel.version)
        for name in RESTORED:
            setattr(parcel, name, getattr(old, name))
        parcel.geom = old.geom
        parcel.version += 1
        parcel.updated_by = user if user.is_authenticated else None
        services.before_write(parcel, user, geometry_changed=True)
        parcel.full_clean()
        parcel.save()
    return parcel
