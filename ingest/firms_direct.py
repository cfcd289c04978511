"""The direct way of a FIRMS load: a clean file checked in numpy, its new rows written by one binary COPY.

Nearly every FIRMS download is clean: every line parses and passes the checks. For such a file the
SQL way's staging table, joins and sort cost more than writing the rows (the bench: 2.3 s of 6.1 s).
ingest.firms tries this way first. It gives None, and the SQL way does the whole load with a reason
for each refused line, whenever the file is not plainly clean: a refused line or value, quoted
fields, the archive's ``type`` column, standard-processing rows (they may replace stored rows), more
than MAX_SATELLITES satellites or days than firms_frame.MAX_MINUTES, a file over MAX_BYTES, or a
detection that another writer stored meanwhile. Both ways judge the distinct values with
ingest.firms_values and store the same rows (tests/ingest/test_firms_direct.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO

import numpy as np
import psycopg
from django.db import transaction
from psycopg import sql

from . import firms_csv, firms_frame
from .firms_values import judge, refused_any
from .models import IngestRun

# The file is read whole: with its prepared body and its arrays a load holds up to four times this.
MAX_BYTES = 128 * 1024 * 1024
_PG_EPOCH = date(2000, 1, 1)
_DAY_US = 86_400_000_000
_MINUTE_US = 60_000_000
# The stored detections of the file's days and satellites, keyed like the file's lines (binary COPY).
_STORED_SQL = """COPY (
  -- One scan of the unique index per satellite, its columns read from the index alone.
  SELECT s.i::int4, h.acquired_at, h.lat_key, h.lon_key
  FROM unnest({names}::text[]) WITH ORDINALITY AS s(name, i)
  CROSS JOIN LATERAL (
    SELECT acquired_at, lat_key, lon_key FROM fire_hotspot
    WHERE satellite = s.name AND acquired_at >= {start} AND acquired_at < {end}
  ) h
) TO STDOUT (FORMAT binary)"""


# A row's text columns (then daynight) and the verdict lists of ingest.firms_values they come from.
_TAIL_COLUMNS = ("source", "satellite", "instrument", "confidence", "confidence_raw", "processing", "version")
_TAIL_VERDICT = (
    *("kind_source", "kind_satellite", "kind_instrument", "conf_val"),
    *("confidence", "kind_processing", "version"),
)


def load(cursor, opener: Callable[[], BinaryIO], run: IngestRun, source: str | None):
    """Load a clean file: (what was read, rows written, lines whose detection was not stored), or None."""
    data = _read_whole(opener)
    if data is None:
        return None
    prepared = firms_csv.prepare(data)  # a bad header is refused here as on the SQL way
    del data
    if prepared.rejected or not len(prepared.line_numbers) or prepared.archive or b'"' in prepared.body:
        return None
    lines = firms_frame.read(prepared.body, prepared.columns)
    if lines is None or lines.count != len(prepared.line_numbers):
        return None
    checked = _checked(lines, prepared, source)
    if checked is None:
        return None
    new, fresh = _write(cursor, lines, checked, run)
    return None if new is None else (prepared, new, fresh)


def _read_whole(opener: Callable[[], BinaryIO]) -> bytes | None:
    """The file's bytes, or None when it is larger than MAX_BYTES (then the SQL way streams it in chunks)."""
    blocks, size = [], 0
    with opener() as stream:
        # read(n) sets n bytes aside first: read in blocks, never MAX_BYTES at once for a small file.
        while block := stream.read(firms_csv.CHUNK_BYTES):
            size += len(block)
            if size > MAX_BYTES:
                return None
            blocks.append(block)
    return b"".join(blocks)


def _codes(lines: firms_frame.Lines, name: str) -> tuple[np.ndarray, list[str]]:
    """A text column's codes and values; a column the file lacks reads as empty, as COPY's NULL does."""
    if name in lines.codes:
        return lines.codes[name], lines.values[name]
    return np.zeros(lines.count, dtype=np.int32), [""]


def _checked(lines: firms_frame.Lines, prepared: firms_csv.Prepared, source: str | None) -> dict | None:
    """The verdicts of the distinct values, turned into per-line arrays; None when one is refused."""
    combo_columns = [_codes(lines, name) for name in ("satellite", "instrument", "version", "confidence")]
    combined = np.zeros(lines.count, dtype=np.int64)
    for codes, values in combo_columns:
        combined = combined * len(values) + codes
    distinct, combo_of_line = np.unique(combined, return_inverse=True)
    combos = []
    for value in distinct.tolist():
        parts = []
        for _, values in reversed(combo_columns):
            value, code = divmod(value, len(values))
            parts.append(values[code])
        combos.append(parts[::-1])
    mappings = judge(lines.values["acq_date"], lines.values["acq_time"], combos, prepared, source)
    if refused_any(mappings) or "SP" in mappings["combo_kind_processing"]:
        return None
    satellites = sorted(set(mappings["combo_kind_satellite"]))
    if len(satellites) > firms_frame.MAX_SATELLITES:
        return None
    first_day, last_day = min(mappings["date_val"]), max(mappings["date_val"])
    if ((last_day - first_day).days + 1) * 1440 > firms_frame.MAX_MINUTES:
        return None
    day_minutes = np.array([(d - first_day).days * 1440 for d in mappings["date_val"]], dtype=np.int64)
    time_minutes = np.array(mappings["time_val"], dtype=np.int64)
    minutes = day_minutes[lines.codes["acq_date"]] + time_minutes[lines.codes["acq_time"]]
    sat_of_combo = np.array([satellites.index(s) for s in mappings["combo_kind_satellite"]], dtype=np.int64)
    return {
        "mappings": mappings,
        "combo_of_line": combo_of_line,
        "satellites": satellites,
        "first_day": first_day,
        "days": (last_day - first_day).days + 1,
        "minutes": minutes,
        "satellite": sat_of_combo[combo_of_line],
    }


def _midnight_us(day: date) -> int:
    """A UTC midnight in PostgreSQL's binary timestamp: microseconds since 2000-01-01."""
    return (day - _PG_EPOCH).days * _DAY_US


def _now_us(cursor) -> int:
    cursor.execute("SELECT now()")
    now = cursor.fetchone()[0]
    delta = now - datetime(2000, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _stored(cursor, checked: dict) -> np.ndarray:
    """The detection keys stored for the file's satellites and days (read from the unique index's columns)."""
    first = checked["first_day"]
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = start + timedelta(days=checked["days"])
    names = checked["satellites"]
    # COPY takes no parameters: the values go in as literals, quoted by psycopg.
    statement = sql.SQL(_STORED_SQL).format(names=sql.Literal(names), start=sql.Literal(start), end=sql.Literal(end))
    with cursor.copy(statement) as copy:
        body = b"".join(bytes(block) for block in copy)
    satellite, at, lat_key, lon_key = firms_frame.stored_keys(body)
    since = at - _midnight_us(first)
    # A stored time off the whole minute (another writer's) can never equal a FIRMS line's.
    whole = since % _MINUTE_US == 0
    return firms_frame.detection_keys(since[whole] // _MINUTE_US, satellite[whole] - 1, lat_key[whole], lon_key[whole])


def _write(cursor, lines: firms_frame.Lines, checked: dict, run: IngestRun) -> tuple[int | None, int]:
    """COPY the new detections into fire_hotspot in time order: (rows written or None on a clash, fresh lines)."""
    lat, lon = lines.numbers["latitude"], lines.numbers["longitude"]
    lat_key, lon_key = firms_frame.place_keys(lat), firms_frame.place_keys(lon)
    keys = firms_frame.detection_keys(checked["minutes"], checked["satellite"], lat_key, lon_key)
    picked, fresh = firms_frame.new_rows(keys, _stored(cursor, checked))
    mappings, numbers = checked["mappings"], lines.numbers
    at = checked["minutes"] * _MINUTE_US + _midnight_us(checked["first_day"])
    now = _now_us(cursor)
    rows = firms_frame.BinaryRows([*_TAIL_COLUMNS, "daynight"])
    rows.number("acquired_at", ">i8", at)
    rows.number("lat_key", ">i4", lat_key)
    rows.number("lon_key", ">i4", lon_key)
    rows.number("processing_rank", ">i2", firms_csv.PROCESSING_RANK["NRT"])
    rows.number("run_id", ">i8", run.pk)
    rows.number("created_at", ">i8", now)
    rows.number("updated_at", ">i8", now)
    rows.number("fire_type", ">i2", None)
    brightness = "bright_ti4" if "bright_ti4" in numbers else "brightness"
    second = "bright_ti5" if "bright_ti5" in numbers else "bright_t31"
    measures = {"brightness": brightness, "brightness_2": second, "scan": "scan", "track": "track", "frp": "frp"}
    for name, column in measures.items():
        rows.number(name, ">f8", numbers.get(column))
    rows.point("geom", lon, lat, 4326)
    # Each line's text fields follow from its (satellite, instrument, version, confidence) verdict and its
    # day/night flag: a few distinct tails, encoded once.
    daynight_codes, daynight_values = _codes(lines, "daynight")
    tails = []
    for combo in range(len(mappings["combo_satellite"])):
        values = [mappings[f"combo_{name}"][combo] for name in _TAIL_VERDICT]
        values[4], values[6] = values[4][:10], values[6][:20]  # confidence_raw and version, as left() keeps them
        head = b"".join(firms_frame.text_field(v) for v in values)
        for value in daynight_values:
            flag = value.strip(" ").upper()
            tails.append(head + firms_frame.text_field(flag if flag in ("D", "N") else ""))
    tail_of_line = checked["combo_of_line"] * len(daynight_values) + daynight_codes
    statement = f"COPY fire_hotspot ({', '.join(rows.names)}) FROM STDIN (FORMAT binary)"
    try:
        with transaction.atomic(), cursor.copy(statement) as copy:
            for piece in rows.encode(picked, tail_of_line, tails):
                copy.write(piece)
    except psycopg.errors.UniqueViolation:
        # Another writer stored one of these detections meanwhile: the SQL way skips them.
        return None, fresh
    return len(picked), fresh
