"""Cell towers from a carrier list CSV or an OpenCelliD CSV into telecom.CellTower.

Carrier CSV columns: operator, technology, lon, lat (required); name, cell_id, antenna_height_m,
azimuth_deg, beamwidth_deg, band_mhz, power_dbm, gain_dbi, status (optional).

OpenCelliD CSV columns: radio, mcc, net, area, cell, unit, lon, lat, range, samples, changeable,
created, updated, averageSignal. Only Vietnam (MCC 452) with net 04 Viettel, 02 VNPT/VinaPhone and
01 MobiFone is kept; GSM -> 2G, UMTS -> 3G, LTE -> 4G. OpenCelliD positions are averages of
crowd-sourced observations, not surveyed sites: those towers are flagged ``approximate``.

A row with the same key (source + cell id) as an existing tower updates it (counted duplicate).
A file missing required columns is refused whole; bad rows are rejected with their reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from pathlib import Path

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError

from . import runs
from .models import IngestRun

CARRIER_REQUIRED = ("operator", "technology", "lon", "lat")
OPENCELLID_REQUIRED = ("radio", "mcc", "net", "area", "cell", "lon", "lat")
VIETNAM_MCC = 452
NET_OPERATORS = {1: "mobifone", 2: "vnpt", 4: "viettel"}
RADIO_TECH = {"GSM": "2G", "UMTS": "3G", "LTE": "4G"}
# Default carrier frequency per technology in Vietnam (MHz): GSM 900, UMTS 2100, LTE band 3.
DEFAULT_BAND_MHZ = {"2G": 900.0, "3G": 2100.0, "4G": 1800.0}
OPERATOR_ALIASES = {
    "viettel": "viettel",
    "vnpt": "vnpt",
    "vinaphone": "vnpt",
    "vnpt-vinaphone": "vnpt",
    "mobifone": "mobifone",
    "mobiphone": "mobifone",
}
TECH_ALIASES = {"2g": "2G", "gsm": "2G", "3g": "3G", "umts": "3G", "wcdma": "3G", "4g": "4G", "lte": "4G"}
NUMERIC_LIMITS = {
    "antenna_height_m": (1.0, 300.0),
    "azimuth_deg": (0.0, 360.0),
    "beamwidth_deg": (1.0, 360.0),
    "band_mhz": (400.0, 6000.0),
    "power_dbm": (0.0, 70.0),
    "gain_dbi": (-10.0, 30.0),
}


MAX_BYTES = 64 * 1024 * 1024
MAX_FIELD = 10_000


class CsvRefused(PlatformError):
    """A CSV file refused whole (not text, too large, required columns missing); nothing is written."""

    code = "csv_refused"
    status = 400


def read_rows(path: str | Path, required: tuple[str, ...]) -> tuple[list[str], list[dict]]:
    """Header (lower-cased) and rows of a CSV file; refuses it whole if a required column is missing."""
    file = Path(path)
    if not file.is_file():
        raise CsvRefused(_("Không có tệp %(name)s") % {"name": file.name}, field="path")
    if file.stat().st_size > MAX_BYTES:
        message = _("Tệp %(name)s lớn hơn %(max)s byte") % {"name": file.name, "max": MAX_BYTES}
        raise CsvRefused(message, field="path", status=413)
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvRefused(_("Tệp %(name)s không phải văn bản UTF-8") % {"name": file.name}, field="path") from exc
    csv.field_size_limit(MAX_FIELD)
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        rows = list(reader)
    except csv.Error as exc:
        message = _("%(name)s: không đọc được như CSV (%(detail)s)") % {"name": file.name, "detail": exc}
        raise CsvRefused(message, field="path") from exc
    missing = [name for name in required if name not in header]
    if missing:
        raise missing_columns(file, missing)
    return header, rows


def missing_columns(file: Path, missing: list[str]) -> CsvRefused:
    """The refusal of a CSV without some required columns (the field names them)."""
    message = _("%(name)s: thiếu các cột bắt buộc: %(columns)s") % {"name": file.name, "columns": ", ".join(missing)}
    return CsvRefused(message, field=",".join(missing))


class RowError(ValueError):
    """One row cannot be used (the reason goes into the run's rejected list)."""


def check_operator_and_technology(row: dict) -> tuple[str, str]:
    """The row's carrier and technology from their aliases, or RowError naming the unknown one."""
    operator = OPERATOR_ALIASES.get((row.get("operator") or "").strip().lower())
    if operator is None:
        raise RowError(_("Nhà mạng không xác định: %(value)s") % {"value": repr(row.get("operator"))})
    tech = TECH_ALIASES.get((row.get("technology") or "").strip().lower())
    if tech is None:
        raise RowError(_("Công nghệ không xác định: %(value)s") % {"value": repr(row.get("technology"))})
    return operator, tech


def checked_number(name: str, text: str, low: float, high: float) -> float:
    """A number within low..high, or RowError naming the column."""
    try:
        number = float(text)
    except ValueError as exc:
        raise RowError(_("%(name)s không phải là số: %(value)s") % {"name": name, "value": repr(text[:20])}) from exc
    if not (math.isfinite(number) and low <= number <= high):
        message = _("%(name)s %(value)s nằm ngoài khoảng %(low)s..%(high)s")
        raise RowError(message % {"name": name, "value": f"{number:g}", "low": f"{low:g}", "high": f"{high:g}"})
    return number


def _coords(row: dict) -> tuple[float, float]:
    try:
        lon, lat = float(row["lon"]), float(row["lat"])
    except (TypeError, ValueError) as exc:
        raise RowError(_("lon/lat không phải là số")) from exc
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise RowError(
            _("lon/lat nằm ngoài khoảng cho phép: %(lon)s, %(lat)s") % {"lon": row["lon"], "lat": row["lat"]}
        )
    return lon, lat


def _carrier_row(row: dict) -> tuple[str, dict]:
    operator, tech = check_operator_and_technology(row)
    lon, lat = _coords(row)
    values = {"operator": operator, "technology": tech, "band_mhz": DEFAULT_BAND_MHZ[tech]}
    for name, (low, high) in NUMERIC_LIMITS.items():
        text = (row.get(name) or "").strip()
        if not text:
            continue
        values[name] = checked_number(name, text, low, high)
    status = (row.get("status") or "active").strip().lower()
    if status not in {"active", "planned", "inactive"}:
        raise RowError(_("Trạng thái không xác định: %(value)s") % {"value": repr(status)})
    values.update(
        status=status,
        name=(row.get("name") or "").strip()[:120],
        cell_id=(row.get("cell_id") or "").strip()[:60],
        source="carrier",
        approximate=False,
        geom=Point(lon, lat, srid=4326),
    )
    key = values["cell_id"] or f"{operator}:{tech}:{lon:.5f}:{lat:.5f}"
    values["cell_id"] = key[:60]
    return key, values


def _opencellid_row(row: dict) -> tuple[str, dict]:
    try:
        mcc, net = int(row["mcc"]), int(row["net"])
        area, cell = int(row["area"]), int(row["cell"])
    except (TypeError, ValueError) as exc:
        raise RowError(_("mcc/net/area/cell không phải là số nguyên")) from exc
    if mcc != VIETNAM_MCC:
        raise RowError(_("MCC %(mcc)s không phải của Việt Nam (%(vietnam)s)") % {"mcc": mcc, "vietnam": VIETNAM_MCC})
    operator = NET_OPERATORS.get(net)
    if operator is None:
        message = _("Mạng %(network)s không phải Viettel, VNPT hay MobiFone")
        raise RowError(message % {"network": f"{mcc}-{net:02d}"})
    tech = RADIO_TECH.get((row.get("radio") or "").strip().upper())
    if tech is None:
        raise RowError(_("radio %(value)s không phải GSM, UMTS hay LTE") % {"value": repr(row.get("radio"))})
    lon, lat = _coords(row)
    key = f"{mcc}-{net:02d}-{area}-{cell}"
    return key, {
        "operator": operator,
        "technology": tech,
        "band_mhz": DEFAULT_BAND_MHZ[tech],
        "name": f"OpenCelliD {key}",
        "cell_id": key,
        "source": "opencellid",
        "approximate": True,
        "status": "active",
        "geom": Point(lon, lat, srid=4326),
    }


def ingest_path(path: str, *, fmt: str | None = None, **options) -> IngestRun:
    """Import towers from a carrier or OpenCelliD CSV (``fmt`` guessed from the header when None)."""
    from layers.telecom.models import CellTower

    file = Path(path)
    header, rows = read_rows(file, ("lon", "lat"))
    if fmt is None:
        fmt = "opencellid" if {"radio", "mcc", "net"} <= set(header) else "carrier"
    if fmt not in {"carrier", "opencellid"}:
        raise CsvRefused(_("Định dạng tệp trạm không xác định: %(value)s") % {"value": repr(fmt)}, field="format")
    required = OPENCELLID_REQUIRED if fmt == "opencellid" else CARRIER_REQUIRED
    missing = [name for name in required if name not in header]
    if missing:
        raise missing_columns(file, missing)
    parse = _opencellid_row if fmt == "opencellid" else _carrier_row
    source = "opencellid" if fmt == "opencellid" else "carrier"
    sha = hashlib.sha256(file.read_bytes()).hexdigest()
    run = runs.start(source, "towers", file_name=file.name[:300], sha256=sha, params={"format": fmt})
    rejected, parsed = [], {}
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            key, values = parse(row)
        except RowError as exc:
            rejected.append({"row": number, "reason": str(exc)})
            continue
        parsed[key] = values  # a key repeated in the file: the last row wins
    try:
        with transaction.atomic():
            existing = {t.cell_id: t for t in CellTower.objects.filter(source=source, cell_id__in=list(parsed))}
            new = duplicate = 0
            for key, values in parsed.items():
                tower = existing.get(key)
                if tower is None:
                    CellTower.objects.create(**values)
                    new += 1
                else:
                    for field, value in values.items():
                        setattr(tower, field, value)
                    tower.save()
                    duplicate += 1
            runs.finish(run, read=len(rows), new=new, duplicate=duplicate, rejected=rejected)
    except Exception as exc:
        runs.fail(run, f"{type(exc).__name__}: {exc}"[:2000])
        raise
    return run
