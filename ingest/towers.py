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
        raise CsvRefused(f"no such file: {file.name}", field="path")
    if file.stat().st_size > MAX_BYTES:
        raise CsvRefused(f"{file.name} is larger than {MAX_BYTES} bytes", field="path", status=413)
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvRefused(f"{file.name} is not UTF-8 text", field="path") from exc
    csv.field_size_limit(MAX_FIELD)
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        rows = list(reader)
    except csv.Error as exc:
        raise CsvRefused(f"{file.name}: not a readable CSV ({exc})", field="path") from exc
    missing = [name for name in required if name not in header]
    if missing:
        raise CsvRefused(f"{file.name}: missing required columns: {', '.join(missing)}", field=",".join(missing))
    return header, rows


class RowError(ValueError):
    """One row cannot be used (the reason goes into the run's rejected list)."""


def _coords(row: dict) -> tuple[float, float]:
    try:
        lon, lat = float(row["lon"]), float(row["lat"])
    except (TypeError, ValueError) as exc:
        raise RowError("lon/lat are not numbers") from exc
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise RowError(f"lon/lat out of range: {row['lon']}, {row['lat']}")
    return lon, lat


def _carrier_row(row: dict) -> tuple[str, dict]:
    operator = OPERATOR_ALIASES.get((row.get("operator") or "").strip().lower())
    if operator is None:
        raise RowError(f"unknown operator {row.get('operator')!r}")
    tech = TECH_ALIASES.get((row.get("technology") or "").strip().lower())
    if tech is None:
        raise RowError(f"unknown technology {row.get('technology')!r}")
    lon, lat = _coords(row)
    values = {"operator": operator, "technology": tech, "band_mhz": DEFAULT_BAND_MHZ[tech]}
    for name, (low, high) in NUMERIC_LIMITS.items():
        text = (row.get(name) or "").strip()
        if not text:
            continue
        try:
            number = float(text)
        except ValueError as exc:
            raise RowError(f"{name} is not a number: {text[:20]!r}") from exc
        if not (math.isfinite(number) and low <= number <= high):
            raise RowError(f"{name} {number} outside {low}..{high}")
        values[name] = number
    status = (row.get("status") or "active").strip().lower()
    if status not in {"active", "planned", "inactive"}:
        raise RowError(f"unknown status {status!r}")
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
        raise RowError("mcc/net/area/cell are not integers") from exc
    if mcc != VIETNAM_MCC:
        raise RowError(f"MCC {mcc} is not Vietnam ({VIETNAM_MCC})")
    operator = NET_OPERATORS.get(net)
    if operator is None:
        raise RowError(f"network {mcc}-{net:02d} is not Viettel, VNPT or MobiFone")
    tech = RADIO_TECH.get((row.get("radio") or "").strip().upper())
    if tech is None:
        raise RowError(f"radio {row.get('radio')!r} is not GSM, UMTS or LTE")
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
        raise CsvRefused(f"unknown tower file format {fmt!r}", field="format")
    required = OPENCELLID_REQUIRED if fmt == "opencellid" else CARRIER_REQUIRED
    missing = [name for name in required if name not in header]
    if missing:
        raise CsvRefused(f"{file.name}: missing required columns: {', '.join(missing)}", field=",".join(missing))
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
