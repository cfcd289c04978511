"""Signal measurements (drive test or crowd-sourced) CSV into telecom.SignalMeasurement.

Columns: lon, lat, operator, technology, dbm, time (required); device, source (optional;
drive_test, crowd or complaint). An empty dbm ("", "none", "no signal", "mất sóng") is a "no
mobile signal" citizen report: stored with dbm null and source complaint unless the row says.
Times are ISO 8601; a time without an offset is read as Asia/Ho_Chi_Minh local time (the
loggers' clock) and stored in UTC. A row already stored (same
operator, technology, time and place) is counted duplicate, not stored twice.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import runs
from .models import IngestRun
from .towers import RowError, _coords, check_operator_and_technology, checked_number, read_rows

REQUIRED = ("lon", "lat", "operator", "technology", "dbm", "time")
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DBM_RANGE = (-150.0, -20.0)
SOURCES = {"drive_test", "crowd", "complaint"}
# An empty dbm (or one of these words) is a "no mobile signal" report, stored with dbm null.
NO_SIGNAL = {"", "none", "no signal", "null", "mất sóng", "không có sóng"}


def _row(row: dict, default_source: str) -> dict:
    operator, tech = check_operator_and_technology(row)
    lon, lat = _coords(row)
    text = (row.get("dbm") or "").strip()
    dbm = None
    if text.lower() in NO_SIGNAL:
        default_source = "complaint"  # a "no mobile signal" report: no level, only the place and time
    else:
        dbm = checked_number("dbm", text, *DBM_RANGE)
    try:
        when = datetime.fromisoformat((row.get("time") or "").strip())
    except ValueError as exc:
        message = _("time không đúng dạng ISO 8601: %(value)s") % {"value": repr(str(row.get("time"))[:40])}
        raise RowError(message) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=LOCAL)
    when = when.astimezone(ZoneInfo("UTC"))
    if when > timezone.now() + timedelta(hours=1):
        raise RowError(_("time là thời điểm trong tương lai"))
    source = (row.get("source") or default_source).strip().lower()
    if source not in SOURCES:
        message = _("source %(value)s không phải drive_test, crowd hay complaint") % {"value": repr(source)}
        raise RowError(message)
    return {
        "operator": operator,
        "technology": tech,
        "dbm": dbm,
        "measured_at": when,
        "source": source,
        "device": (row.get("device") or "").strip()[:80],
        "geom": Point(lon, lat, srid=4326),
    }


def ingest_path(path: str, *, source: str = "drive_test", **options) -> IngestRun:
    """Import measurement points from a CSV file; refused whole when a required column is missing."""
    from layers.telecom.models import SignalMeasurement

    file = Path(path)
    _header, rows = read_rows(file, REQUIRED)
    sha = hashlib.sha256(file.read_bytes()).hexdigest()
    run = runs.start(source, "signal", file_name=file.name[:300], sha256=sha)
    rejected, parsed = [], []
    for number, row in enumerate(rows, start=2):
        try:
            parsed.append(_row(row, source))
        except RowError as exc:
            rejected.append({"row": number, "reason": str(exc)})
    try:
        with transaction.atomic():
            new = duplicate = 0
            for values in parsed:
                exists = SignalMeasurement.objects.filter(
                    operator=values["operator"],
                    technology=values["technology"],
                    measured_at=values["measured_at"],
                    geom__equals=values["geom"],
                ).exists()
                if exists:
                    duplicate += 1
                    continue
                SignalMeasurement.objects.create(**values)
                new += 1
            runs.finish(run, read=len(rows), new=new, duplicate=duplicate, rejected=rejected)
    except Exception as exc:
        runs.fail(run, f"{type(exc).__name__}: {exc}"[:2000])
        raise
    return run
