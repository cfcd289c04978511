"""The cadastral office's files: preview an update (new, changed, gone), apply it in one transaction, export.

A file is a VN-2000 shapefile or GeoPackage (any CRS the file declares; ingest.vector reads and
reprojects it). Parcels are matched by (map sheet, parcel number); "gone" means a parcel of a map
sheet the file covers that the file no longer holds (sheets the file does not cover are left alone).
Applying writes every change, then checks every touched parcel by the rules against the final state,
so boundaries moved between two neighbours in the same file do not refuse each other half-way.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas
import pgtrigger
import shapely
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError
from ingest import vector
from layers import validation

from . import rules, services
from .models import RECORD_FIELDS, Parcel

ATTRIBUTES = ("land_use_code", "address", "declared_area_m2", "legal_status")
ALIASES = {"so_to": "map_sheet", "sheet": "map_sheet", "so_thua": "parcel_number", "loai_dat": "land_use_code",
           "dien_tich": "declared_area_m2", "dia_chi": "address", "parcel_num": "parcel_number"}  # fmt: skip
GEOMETRY_TOLERANCE_M2 = 0.5


class CadastreRefused(PlatformError):
    """The file cannot be used as an update; ``problems`` lists rows and reasons."""

    code = "cadastre_refused"

    def __init__(self, message: str, problems: list[dict] | None = None):
        super().__init__(message, field="file")
        self.problems = problems or []

    def as_dict(self) -> dict:
        """The error with every problem row."""
        body = super().as_dict()
        body["error"]["problems"] = self.problems
        return body


@dataclass
class Plan:
    """What a file would change."""

    new: list[dict] = field(default_factory=list)
    changed: list[tuple[Parcel, dict]] = field(default_factory=list)
    gone: list[Parcel] = field(default_factory=list)
    same: int = 0
    problems: list[dict] = field(default_factory=list)


def _row_values(row: vector.Row) -> dict:
    props = {ALIASES.get(k.lower(), k.lower()): v for k, v in row.properties.items()}
    values = {
        "map_sheet": str(props.get("map_sheet") or "").strip().removesuffix(".0"),
        "parcel_number": str(props.get("parcel_number") or "").strip().removesuffix(".0"),
        "land_use_code": str(props.get("land_use_code") or "").strip().upper(),
        "address": str(props.get("address") or "").strip()[:200],
        "legal_status": str(props.get("legal_status") or "").strip(),
    }
    declared = props.get("declared_area_m2")
    values["declared_area_m2"] = float(declared) if declared not in (None, "") else None
    return values


def plan(path: Path, name: str, srs: str | None = None) -> Plan:
    """Read a file and compare it with the parcels: new, changed, gone, refused rows."""
    dataset = vector.read(path, name=name, srs=srs)
    out = Plan()
    seen: set[tuple[str, str]] = set()
    sheets: set[str] = set()
    wanted = []
    for row in dataset.rows:
        if row.error:
            out.problems.append({"row": row.number, "reason": row.error})
            continue
        values = _row_values(row)
        if not values["map_sheet"] or not values["parcel_number"]:
            out.problems.append({"row": row.number, "reason": _("Thiếu số tờ hoặc số thửa")})
            continue
        key = (values["map_sheet"], values["parcel_number"])
        if key in seen:
            out.problems.append({"row": row.number, "reason": _("Số tờ, số thửa lặp lại trong tệp")})
            continue
        seen.add(key)
        sheets.add(values["map_sheet"])
        wanted.append((row, values))
    checked = validation.validate_many([row.geometry for row, _values in wanted], services.layer())
    existing = {(p.map_sheet, p.parcel_number): p for p in Parcel.objects.filter(map_sheet__in=sheets)}
    for (row, values), (geometry, reason) in zip(wanted, checked, strict=True):
        if reason is not None:
            out.problems.append({"row": row.number, "reason": reason})
            continue
        values["geom"] = geometry
        values["row"] = row.number
        current = existing.get((values["map_sheet"], values["parcel_number"]))
        if current is None:
            out.new.append(values)
            continue
        before = shapely.from_wkb(bytes(current.geom.wkb))
        after = shapely.from_wkb(bytes(geometry.wkb))
        moved = rules.to_metric(shapely.symmetric_difference(before, after)).area > GEOMETRY_TOLERANCE_M2
        if moved or any(getattr(current, n) != values[n] for n in ATTRIBUTES):
            out.changed.append((current, values))
        else:
            out.same += 1
    out.gone = [p for key, p in existing.items() if key not in seen]
    return out


def preview(the_plan: Plan) -> dict:
    """The plan as counts and a FeatureCollection (status new/changed/gone) to draw on the map."""
    features = []
    for values in the_plan.new:
        features.append(_feature(values["geom"], "new", values))
    for current, values in the_plan.changed:
        features.append(_feature(values["geom"], "changed", values, current.pk))
    for gone in the_plan.gone:
        features.append(
            _feature(gone.geom, "gone", {"map_sheet": gone.map_sheet, "parcel_number": gone.parcel_number}, gone.pk)
        )
    return {
        "new": len(the_plan.new),
        "changed": len(the_plan.changed),
        "gone": len(the_plan.gone),
        "same": the_plan.same,
        "problems": the_plan.problems,
        "features": {"type": "FeatureCollection", "features": features},
    }


def _feature(geom, status: str, values: dict, pk: int | None = None) -> dict:
    props = {k: v for k, v in values.items() if k in ("map_sheet", "parcel_number", "land_use_code", "row")}
    return {
        "type": "Feature",
        "id": pk,
        "geometry": json.loads(geom.geojson),
        "properties": {**props, "status": status},
    }


def apply(the_plan: Plan, user, reason: str) -> dict:
    """Apply a plan in one transaction (all or nothing); every change in the history with the file as reason."""
    if the_plan.problems:
        raise CadastreRefused(_("Tệp có dòng lỗi; chưa ghi gì cả"), the_plan.problems)
    problems: list[dict] = []
    with transaction.atomic(), services.write_context(user, reason):
        services.lock()
        for gone in the_plan.gone:
            gone.delete()
        # Changed parcels move first, all of them, unrecorded; then each is checked and saved (and
        # recorded once) against the final places of its neighbours; new parcels come last.
        with pgtrigger.ignore("parcels.Parcel:update_update"):
            for current, values in the_plan.changed:
                for name in ATTRIBUTES + ("map_sheet", "parcel_number", "geom"):
                    setattr(current, name, values[name])
                _save(current, values["row"], problems)
        if problems:
            raise CadastreRefused(_("Cơ sở dữ liệu từ chối các dòng; chưa ghi gì cả"), problems)
        touched = [(current, values["row"]) for current, values in the_plan.changed]
        touched += [
            (Parcel(**{k: v for k, v in values.items() if k != "row"}), values["row"]) for values in the_plan.new
        ]
        for parcel, row in touched:
            parcel.updated_by = user if user is not None and user.is_authenticated else None
            if parcel.pk:
                parcel.version += 1
            _save(parcel, row, problems, checked=True, user=user)
        if problems:
            raise CadastreRefused(_("Có thửa không đạt quy tắc; chưa ghi gì cả"), problems)
    return {"new": len(the_plan.new), "changed": len(the_plan.changed), "gone": len(the_plan.gone), "reason": reason}


def _save(parcel: Parcel, row: int, problems: list[dict], *, checked: bool = False, user=None) -> None:
    """Save one parcel in a savepoint (through the rules if checked); a refusal is noted with its row."""
    try:
        with transaction.atomic():
            if checked:
                services.before_write(parcel, user, geometry_changed=True)
                parcel.full_clean()
            parcel.save()
    except PlatformError as exc:
        problems.append({"row": row, "reason": exc.message})
    except ValidationError as exc:
        problems.append({"row": row, "reason": "; ".join(exc.messages)})
    except IntegrityError as exc:
        problems.append({"row": row, "reason": str(exc).splitlines()[0][:200]})


def export(path: Path) -> Path:
    """Every parcel as a GeoPackage in VN-2000 / Quảng Nam TM-3 (EPSG:5899), areas computed in it."""
    names = RECORD_FIELDS
    rows = list(Parcel.objects.values_list(*names, "geom"))
    frame = geopandas.GeoDataFrame(
        {name: [r[i] for r in rows] for i, name in enumerate(names)},
        geometry=[rules.to_metric(shapely.from_wkb(bytes(r[-1].wkb))) for r in rows],
        crs="EPSG:5899",
    )
    frame["area_m2"] = frame.geometry.area.round(2)
    frame.to_file(path, driver="GPKG", layer="thua_dat")
    return path


def temp_dir() -> tempfile.TemporaryDirectory:
    """A private folder for an upload or an export."""
    return tempfile.TemporaryDirectory(prefix="gp-cadastre-")
