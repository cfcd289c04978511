"""FIRMS active-fire CSV into fire.Hotspot: COPY into a temp table, checks and insert in SQL.

One run is one IngestRun. The whole load is one transaction under an advisory lock, so the same
ingest started twice at once runs once (the second sees the first's SHA-256 and does nothing), and
a refused file leaves nothing behind. Rows are never loaded one by one through the ORM: the
accepted lines go to PostgreSQL by COPY, and one INSERT stores each detection not stored yet (found
through the detection key's unique index); a standard-processing row replaces the near-real-time
row of the same detection.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np
import psycopg
from django.db import DataError, IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError

from . import firms_csv, firms_direct, runs
from .firms_values import COMBO_REASONS, judge, words
from .models import IngestRun

KIND = "firms"
LOCK_KEY = 0x46495245  # "FIRE": one FIRMS load at a time
COPY_CHUNK = 1 << 20
MAX_BYTES = 512 * 1024 * 1024
# A file spanning at most this many days has its days' stored rows hashed, not probed line by line
# (an NRT download covers 1 to 10 days).
HASHED_SPAN = timedelta(days=31)


# FIRMS source names: an instrument and a satellite, then NRT/URT (near real time) or SP (standard).
SOURCE_NAME = re.compile(r"^(VIIRS|MODIS|LANDSAT)[A-Z0-9_]{0,30}$")


class FirmsRefused(PlatformError):
    """A FIRMS file refused whole (missing columns, not CSV, too large); nothing is written."""

    code = "firms_refused"
    status = 400


def not_a_source(source: str) -> str:
    """The refusal of a FIRMS source name."""
    message = _("Không phải tên nguồn FIRMS: %(source)s (ví dụ VIIRS_SNPP_NRT, MODIS_SP)")
    return message % {"source": repr(source[:60])}


def ingest_path(path: str | Path, *, source: str | None = None, run_events: bool = False) -> IngestRun:
    """Ingest a FIRMS CSV file from disk, read in chunks (memory stays bounded whatever the file's size)."""
    path = Path(path)
    if not path.is_file():
        raise FirmsRefused(_("Không có tệp %(name)s") % {"name": path.name}, field="path")
    if path.stat().st_size > MAX_BYTES:
        message = _("Tệp %(name)s lớn hơn %(max)s byte") % {"name": path.name, "max": MAX_BYTES}
        raise FirmsRefused(message, field="path", status=413)
    return ingest_stream(lambda: path.open("rb"), source=source, file_name=path.name, run_events=run_events)


def ingest_bytes(
    data: bytes,
    *,
    source: str | None = None,
    file_name: str = "",
    origin: dict | None = None,
    run_events: bool = False,
) -> IngestRun:
    """Ingest FIRMS CSV bytes; a replay of the same bytes (same SHA-256) is a recorded no-op."""
    return ingest_stream(
        lambda: io.BytesIO(data), source=source, file_name=file_name, origin=origin, run_events=run_events
    )


def _sha256(opener: Callable[[], BinaryIO]) -> str:
    digest = hashlib.sha256()
    with opener() as stream:
        while block := stream.read(COPY_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def ingest_stream(
    opener: Callable[[], BinaryIO],
    *,
    source: str | None = None,
    file_name: str = "",
    origin: dict | None = None,
    run_events: bool = False,
) -> IngestRun:
    """Ingest the FIRMS CSV that ``opener()`` opens (read more than once; never whole in memory)."""
    if source is not None and not SOURCE_NAME.match(source):
        raise FirmsRefused(not_a_source(source), field="source")
    sha = _sha256(opener)
    params = {"source": source, **(origin or {})}
    run = runs.start(source or "FIRMS", KIND, file_name=file_name[:300], sha256=sha, params=params)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            earlier = (
                IngestRun.objects.filter(kind=KIND, sha256=sha, status="succeeded").exclude(pk=run.pk).order_by("pk")
            ).first()
            if earlier is not None:
                run.params = {**params, "replay_of": earlier.pk}
                return runs.finish(
                    run,
                    read=0,
                    new=0,
                    duplicate=0,
                    rejected=[],
                    message=_("Tệp này (cùng SHA-256) đã được nạp ở lần chạy %(run)s: không làm gì thêm")
                    % {"run": earlier.pk},
                )
            counts = _load(opener, run, source)
            run.params = {**params, "rows_updated": counts["updated"], "duplicate_in_file": counts["in_file"]}
            runs.finish(
                run,
                read=counts["read"],
                new=counts["new"],
                duplicate=counts["duplicate"],
                rejected=counts["rejected"],
                message=counts["message"],
            )
    except firms_csv.MissingColumns as exc:
        message = _("Tệp bị từ chối: %(reason)s") % {"reason": words(exc.reason)}
        runs.fail(run, message)
        raise _refused(message, run, field=",".join(exc.missing)) from exc
    except firms_csv.BadHeader as exc:
        message = _("Tệp bị từ chối: %(reason)s") % {"reason": words(exc.reason)}
        runs.fail(run, message)
        raise _refused(message, run, field="header") from exc
    except Exception as exc:
        runs.fail(run, f"{type(exc).__name__}: {exc}"[:2000])
        raise
    if run_events:
        from layers.fire import services as fire_services

        fire_services.refresh_events()
    return run


def _refused(message: str, run: IngestRun, *, field: str) -> FirmsRefused:
    error = FirmsRefused(message, field=field)
    error.run_id = run.pk  # callers (tasks, commands) report the failed run
    return error


def _load(opener: Callable[[], BinaryIO], run: IngestRun, source: str | None) -> dict:
    with connection.cursor() as cursor:
        lock_run(cursor, run)
        direct = firms_direct.load(cursor, opener, run, source)
        if direct is not None:
            prepared, new, fresh = direct
            return _counts(prepared, new=new, updated=0, fresh=fresh)
        # Sorting 10^5 staged rows in memory instead of on disk; local to this transaction.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        typed, prepared = _copy_raw(cursor, opener)
        mappings = _value_rules(cursor, prepared, source)
        # The lookups of a few distinct values are hash joins: misled by unnest()'s row estimates, the
        # planner would sort every staged row for a merge join (half of the statement's time).
        cursor.execute("SELECT current_setting('enable_mergejoin'), current_setting('jit')")
        merge_join, jit = cursor.fetchone()
        cursor.execute("SET LOCAL enable_mergejoin = off")
        # No JIT: the join settings here (and below) add the planner's huge "disabled" cost to every plan,
        # which puts these statements past jit_optimize_above_cost: compiling took 0.7 s of a 4.7 s load of
        # 200,000 lines in the bench, and the statements run once, so it never pays back.
        cursor.execute("SET LOCAL jit = off")
        parts = _typed_parts(prepared, typed)
        typed_sql = _TYPED_SQL.format(**parts, reason=_REASON_SQL)
        reasons = _sql_reasons()
        sql_rejected, sql_reasons = _refused_lines(cursor, typed_sql, parts, {**mappings, **reasons}, typed=typed)
        # Only a file with standard-processing rows can replace stored rows; the others only insert.
        upgrades = "SP" in mappings["combo_kind_processing"]
        days = _days(mappings)
        params = {**mappings, **reasons, **days, "run": run.pk}
        cursor.execute("SELECT current_setting('enable_nestloop')")
        nested_loop = cursor.fetchone()[0]
        if days["first_day"] is not None and days["after_last_day"] - days["first_day"] <= HASHED_SPAN:
            # The stored rows of the file's few days are read once and hashed (an anti-join): the
            # planner would otherwise probe the unique index once per line (0.35 s of 3.6 in the bench).
            # A long archive file keeps the planner's choice: hashing years of stored rows could cost more.
            cursor.execute("SET LOCAL enable_nestloop = off")
        if not sql_rejected:
            # Every staged line passed the checks above: the store need not check them again.
            typed_sql = _TYPED_SQL.format(**parts, reason="NULL::text")
        new, updated, fresh = _store(cursor, typed_sql, params, upgrades=upgrades)
        cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [nested_loop])
        cursor.execute(
            "SELECT set_config('enable_mergejoin', %s, true), set_config('jit', %s, true)", [merge_join, jit]
        )
        # ON COMMIT DROP is not enough when the caller's transaction goes on (nested atomic blocks).
        cursor.execute("DROP TABLE firms_raw")
    return _counts(prepared, new=new, updated=updated, fresh=fresh, sql_rejected=sql_rejected, sql_reasons=sql_reasons)


def _counts(
    prepared: firms_csv.Prepared, *, new: int, updated: int, fresh: int, sql_rejected: int = 0, sql_reasons=None
) -> dict:
    """The run's figures and its rejected lines (those of the reader and those of the checks), in words."""
    line_of = prepared.line_numbers
    rejected = [{"row": line, "reason": words(reason)} for line, reason in prepared.rejected]
    rejected += [{"row": int(line_of[int(n) - 1]), "reason": reason} for n, reason in sql_reasons or []]
    rejected.sort(key=lambda item: item["row"])
    good = len(prepared.line_numbers) - sql_rejected
    total_rejected = prepared.rejected_total + sql_rejected
    # The run record keeps at most 1000 reasons; the count stays exact.
    more = _("Còn các dòng bị từ chối khác, không liệt kê")
    rejected += [{"row": None, "reason": more}] * max(0, total_rejected - len(rejected))
    return {
        "read": prepared.read,
        "new": new,
        "updated": updated,
        "duplicate": good - new - updated,
        # Lines repeating a detection that another line of the same file brought in.
        "in_file": fresh - new - updated,
        "rejected": rejected,
        "message": _("%(new)s mới, %(updated)s được thay bằng bản xử lý chuẩn, %(rejected)s bị từ chối")
        % {"new": new, "updated": updated, "rejected": total_rejected},
    }


def _refused_lines(cursor, typed_sql: str, parts: dict, params: dict, *, typed: bool) -> tuple[int, list | None]:
    """How many staged lines fail a check, and the first thousand (line, reason) pairs."""
    refusals = _refusals_only(params)
    if typed and not any(refusals[name] for name in ("date_raw", "time_raw", "combo_satellite")):
        # No distinct value was refused and COPY parsed the numbers, so only the per-line checks of
        # _REASON_SQL can refuse a line: one plain scan finds out, without the joins, for a clean file.
        type_raw, type_val = parts["type_raw"], parts["type_val"]
        type_refused = f"({type_raw} IS NOT NULL AND trim({type_raw}) <> '' AND {type_val} IS NULL)"
        cursor.execute(
            "SELECT EXISTS (SELECT FROM firms_raw r WHERE (r.latitude BETWEEN -90 AND 90) IS NOT TRUE"  # noqa: S608
            f" OR (r.longitude BETWEEN -180 AND 180) IS NOT TRUE OR {type_refused})"
        )
        if not cursor.fetchone()[0]:
            return 0, None
    # The refused lines, read with only the refused values' verdicts (most files have none).
    cursor.execute(_REJECTED_SQL.format(typed_sql=typed_sql), refusals)
    return cursor.fetchone()


def _store(cursor, typed_sql: str, params: dict, *, upgrades: bool) -> tuple[int, int, int]:
    """Write the file's detections into fire_hotspot: (new, replaced, lines whose detection was not stored).

    Detections already stored are found through the unique index before the INSERT, so the rows go in
    by a plain INSERT, as a COPY would put them (ON CONFLICT costs each row a second index probe, a
    lock and a second WAL record). Should another writer store one of them meanwhile (fire-mask
    rasters take no FIRMS lock), the INSERT fails whole and runs again letting the index skip them.
    """
    conflict = f"ON CONFLICT ON CONSTRAINT fire_hotspot_detection_key {_UPGRADE}" if upgrades else ""
    # Without standard-processing lines every line has the lowest rank, so any stored row of the same
    # detection makes it a duplicate: the key alone decides, read from the unique index without the
    # table (an index-only scan). Were a stored row of a lower rank ever kept, its line would still not
    # be written: the INSERT would meet it in the index and run again with ON CONFLICT DO NOTHING.
    rank = "AND s.processing_rank >= k.processing_rank" if upgrades else ""
    try:
        with transaction.atomic():
            cursor.execute(_STORE_SQL.format(typed_sql=typed_sql, conflict=conflict, rank=rank), params)
            return cursor.fetchone()
    except IntegrityError:
        conflict = "ON CONFLICT ON CONSTRAINT fire_hotspot_detection_key DO NOTHING"
        cursor.execute(_STORE_SQL.format(typed_sql=typed_sql, conflict=conflict, rank=rank), params)
        return cursor.fetchone()


def _days(mappings: dict) -> dict:
    """The file's acquisition days as a UTC range [first_day, after_last_day) (empty when no date is valid)."""
    valid = [d for d in mappings["date_val"] if d is not None]
    if not valid:
        return {"first_day": None, "after_last_day": None}
    # A time of day is at most 23:59, so every accepted line lies within its date's UTC day.
    first, last = min(valid), max(valid) + timedelta(days=1)
    return {"first_day": datetime.combine(first, time(), UTC), "after_last_day": datetime.combine(last, time(), UTC)}


def _refusals_only(mappings: dict) -> dict:
    """The value verdicts with only the refused values kept: what the refused-lines pass needs to join."""
    kept = dict(mappings)
    for prefix, reasons in (("date", ("date_reason",)), ("time", ("time_reason",)), ("combo", COMBO_REASONS)):
        refused = [i for i, whys in enumerate(zip(*(mappings[r] for r in reasons), strict=True)) if any(whys)]
        for name in [k for k in mappings if k.startswith(prefix + "_")]:
            kept[name] = [mappings[name][i] for i in refused]
    return kept


# Numeric FIRMS columns: COPY parses them as float8 when the whole file allows it.
NUMERIC = frozenset(
    {"latitude", "longitude", "bright_ti4", "bright_ti5", "brightness", "bright_t31", "scan", "track", "frp"}
)


def lock_run(cursor, run: IngestRun) -> None:
    """The one integrity check of hotspot.run for a whole load: the run row exists and stays until commit."""
    cursor.execute("SELECT 1 FROM ingest_ingestrun WHERE id = %s FOR KEY SHARE", [run.pk])
    if cursor.fetchone() is None:
        raise IngestRun.DoesNotExist(f"ingest run {run.pk} is gone")


def _copy_raw(cursor, opener: Callable[[], BinaryIO]) -> tuple[bool, firms_csv.Prepared]:
    """COPY the accepted lines into the temp table firms_raw; (typed?, what was read without the lines).

    Clean files (nearly all) load with float8 columns, so no per-row text check is needed later; a file
    with one unparsable number is read again and loaded as text and checked row by row, each bad row rejected.
    """
    cursor.execute("DROP TABLE IF EXISTS firms_raw")
    try:
        with transaction.atomic():
            return True, _copy_into(cursor, opener, typed=True)
    except (DataError, psycopg.DataError):  # cursor.copy is psycopg's own, not wrapped by Django
        return False, _copy_into(cursor, opener, typed=False)


def _copy_into(cursor, opener: Callable[[], BinaryIO], *, typed: bool) -> firms_csv.Prepared:
    """Stream the file piece by piece into firms_raw; the pieces' line numbers and reasons are gathered."""

    def kind(column: str) -> str:
        return "float8" if typed and column in NUMERIC else "text"

    lines, rejected, rejected_count, read, summary, copy = [], [], 0, 0, None, None
    with opener() as stream, contextlib.ExitStack() as stack:
        for piece in firms_csv.prepare_stream(stream):
            if summary is None:
                summary = piece
                columns = ", ".join(f'"{c}" {kind(c)}' for c in piece.columns)
                cursor.execute(
                    f"CREATE TEMP TABLE firms_raw (n bigint GENERATED ALWAYS AS IDENTITY, {columns}) ON COMMIT DROP"
                )
                names = ", ".join(f'"{c}"' for c in piece.columns)
                copy = stack.enter_context(cursor.copy(f"COPY firms_raw ({names}) FROM STDIN WITH (FORMAT csv)"))
            body = memoryview(piece.body)
            for start in range(0, len(body), COPY_CHUNK):
                copy.write(body[start : start + COPY_CHUNK])
            # 4 bytes a row for the line numbers; the lines themselves are gone with the piece.
            lines.append(piece.line_numbers.astype(np.int32))
            rejected_count += len(piece.rejected)
            rejected.extend(piece.rejected[: max(0, firms_csv.KEPT_REASONS - len(rejected))])
            read += piece.read
    return firms_csv.Prepared(
        summary.columns, summary.names, b"", np.concatenate(lines), rejected, read, rejected_count=rejected_count
    )


def _column(prepared, name: str, default: str = "NULL") -> str:
    return f'r."{name}"' if name in prepared.columns else default


def _sql_reasons() -> dict:
    """The reasons SQL gives, in the reader's language, as format() templates (%s is the raw value)."""
    raw = {"value": "%s"}
    return {
        "why_lat_nan": _("Vĩ độ không phải là số: %(value)s") % raw,
        "why_lon_nan": _("Kinh độ không phải là số: %(value)s") % raw,
        "why_lat_range": _("Vĩ độ nằm ngoài khoảng -90..90: %(value)s") % raw,
        "why_lon_range": _("Kinh độ nằm ngoài khoảng -180..180: %(value)s") % raw,
        "why_type": _("Loại điểm cháy (type) không xác định: %(value)s") % raw,
        "why_empty": _("(trống)"),
    }


def _value_rules(cursor, prepared: firms_csv.Prepared, source: str | None) -> dict:
    """Check each distinct date, time and (satellite, confidence) once; SQL joins the verdicts."""
    instrument = _column(prepared, "instrument", "''")
    version = _column(prepared, "version", "''")
    # One pass over the staged lines for the three kinds of distinct values. Column names here come from
    # the firms_csv.KNOWN allowlist, never from the file.
    cursor.execute(
        f"SELECT GROUPING(r.acq_date, r.acq_time), r.acq_date, r.acq_time, coalesce(r.satellite, ''),"  # noqa: S608
        f" coalesce({instrument}, ''), coalesce({version}, ''), coalesce(r.confidence, '') FROM firms_raw r"
        f" GROUP BY GROUPING SETS ((r.acq_date), (r.acq_time), (coalesce(r.satellite, ''),"
        f" coalesce({instrument}, ''), coalesce({version}, ''), coalesce(r.confidence, '')))"
    )
    dates, times, combos = [], [], []
    for grouped, acq_date, acq_time, *combo in cursor.fetchall():
        # GROUPING gives 1 for a date's row (acq_time rolled up), 2 for a time's, 3 for a combination's.
        if grouped == 1:
            dates.append(acq_date)
        elif grouped == 2:
            times.append(acq_time)
        else:
            combos.append(combo)
    return judge(dates, times, combos, prepared, source)


_NUMBER = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,2})?\s*$"


def _num(expr: str) -> str:
    """A text column as float8 when it is a decimal number (exponent of 2 digits at most), else NULL."""
    # The regex guard means a bad value gives NULL (then a reason), never an SQL error mid-statement.
    return f"CASE WHEN {expr} ~ '{_NUMBER}' THEN ({expr})::float8 END"


def _finite(expr: str) -> str:
    """A float8 column with NaN and infinities as NULL (COPY accepts them as numbers; FIRMS never means them)."""
    return f"CASE WHEN {expr} NOT IN ('NaN', 'Infinity', '-Infinity') THEN {expr} END"


def _typed_parts(prepared: firms_csv.Prepared, typed: bool = False) -> dict:
    names = prepared.columns
    brightness = "bright_ti4" if "bright_ti4" in names else "brightness"
    second = "bright_ti5" if "bright_ti5" in names else ("bright_t31" if "bright_t31" in names else None)
    instrument = _column(prepared, "instrument", "''")
    version = _column(prepared, "version", "''")
    type_col = _column(prepared, "type")
    number = _finite if typed else _num
    sat = "coalesce(r.satellite, '')"
    return {
        "lat": number('r."latitude"'),
        "lon": number('r."longitude"'),
        "brightness": number(f'r."{brightness}"'),
        "brightness_2": number(f'r."{second}"') if second else "NULL::float8",
        "scan": number(_column(prepared, "scan")) if "scan" in names else "NULL::float8",
        "track": number(_column(prepared, "track")) if "track" in names else "NULL::float8",
        "frp": number(_column(prepared, "frp")) if "frp" in names else "NULL::float8",
        "version": f"left(coalesce({version}, ''), 20)",
        "daynight": (
            "CASE WHEN upper(trim(r.daynight)) IN ('D', 'N') THEN upper(trim(r.daynight)) ELSE '' END"
            if "daynight" in names
            else "''"
        ),
        "type_raw": type_col,
        "type_val": (
            f"CASE WHEN trim({type_col}) ~ '^[0-3]$' THEN trim({type_col})::smallint END"
            if "type" in names
            else "NULL::smallint"
        ),
        "sat_raw": sat,
        "instrument_raw": f"coalesce({instrument}, '')",
        "version_raw": f"coalesce({version}, '')",
    }


# Why a typed line is refused (NULL when it is not): the first failed check, in the reader's language.
_REASON_SQL = """CASE
         WHEN lat IS NULL THEN format(%(why_lat_nan)s, coalesce(raw_lat, %(why_empty)s))
         WHEN lon IS NULL THEN format(%(why_lon_nan)s, coalesce(raw_lon, %(why_empty)s))
         WHEN lat NOT BETWEEN -90 AND 90 THEN format(%(why_lat_range)s, raw_lat)
         WHEN lon NOT BETWEEN -180 AND 180 THEN format(%(why_lon_range)s, raw_lon)
         WHEN d.reason <> '' THEN d.reason
         WHEN t.reason <> '' THEN t.reason
         WHEN s.reason <> '' THEN s.reason
         WHEN s.conf_reason <> '' THEN s.conf_reason
         WHEN type_raw IS NOT NULL AND trim(type_raw) <> '' AND fire_type IS NULL
           THEN format(%(why_type)s, type_raw)
       END"""

_TYPED_SQL = """
SELECT n, lat, lon, acquired_at, s.instrument, s.satellite, s.source, s.processing,
       CASE WHEN s.processing = 'SP' THEN 2 ELSE 1 END AS processing_rank,
       s.confidence, left(coalesce(raw_confidence, ''), 10) AS confidence_raw,
       brightness, brightness_2, scan, track, frp, version, daynight, fire_type,
       {reason} AS reason
FROM (
  SELECT r.n, {lat} AS lat, {lon} AS lon, r.latitude::text AS raw_lat, r.longitude::text AS raw_lon,
         r.acq_date, r.acq_time, r.confidence AS raw_confidence,
         {brightness} AS brightness, {brightness_2} AS brightness_2, {scan} AS scan, {track} AS track,
         {frp} AS frp, {version} AS version, {daynight} AS daynight,
         {type_raw} AS type_raw, {type_val} AS fire_type,
         {sat_raw} AS sat_raw, {instrument_raw} AS instrument_raw, {version_raw} AS version_raw,
         coalesce(r.confidence, '') AS confidence_key
  FROM firms_raw r
) x
-- The verdicts of the few distinct values, joined by hash; a date becomes its UTC midnight and a time
-- of day an interval once per distinct value (OFFSET 0 keeps the planner from moving that into each
-- line), so each line only adds the two.
LEFT JOIN (
  SELECT raw, val::timestamp AT TIME ZONE 'UTC' AS midnight, reason
  FROM unnest(%(date_raw)s::text[], %(date_val)s::date[], %(date_reason)s::text[]) AS d(raw, val, reason)
  OFFSET 0
) d ON d.raw = coalesce(x.acq_date, '')
LEFT JOIN (
  SELECT raw, make_interval(mins => val) AS since_midnight, reason
  FROM unnest(%(time_raw)s::text[], %(time_val)s::int[], %(time_reason)s::text[]) AS t(raw, val, reason)
  OFFSET 0
) t ON t.raw = coalesce(x.acq_time, '')
-- One verdict per (satellite, instrument, version, confidence) as written in the file: its instrument,
-- satellite, source and processing, its confidence class, and why it is refused (satellite, confidence).
LEFT JOIN unnest(%(combo_satellite)s::text[], %(combo_instrument)s::text[], %(combo_version)s::text[],
                 %(combo_confidence)s::text[], %(combo_kind_instrument)s::text[], %(combo_kind_satellite)s::text[],
                 %(combo_kind_source)s::text[], %(combo_kind_processing)s::text[], %(combo_sat_reason)s::text[],
                 %(combo_conf_val)s::text[], %(combo_conf_reason)s::text[])
  AS s(key_satellite, key_instrument, key_version, key_confidence, instrument, satellite, source, processing,
       reason, confidence, conf_reason)
  ON s.key_satellite = x.sat_raw AND s.key_instrument = x.instrument_raw AND s.key_version = x.version_raw
     AND s.key_confidence = x.confidence_key
CROSS JOIN LATERAL (SELECT d.midnight + t.since_midnight AS acquired_at) a
"""

# The refused lines: how many, and the first thousand with their reasons.
_REJECTED_SQL = """
WITH refused AS (SELECT n, reason FROM ({typed_sql}) typed WHERE reason IS NOT NULL)
SELECT (SELECT count(*) FROM refused)::int,
       (SELECT array_agg(ARRAY[n::text, reason] ORDER BY n) FROM (
          SELECT n, reason FROM refused ORDER BY n LIMIT 1000) first_refused)
"""

# Each line is written once, into fire_hotspot: the checked lines stream from the staged table
# through the checks, the stored-detection probe and one sort into the INSERT.
_STORE_SQL = """
WITH fresh AS MATERIALIZED (
  SELECT k.*,
         -- The line that stands for its detection: standard processing first, then the last line.
         row_number() OVER (PARTITION BY acquired_at, satellite, lat_key, lon_key
                            ORDER BY processing_rank DESC, n DESC) AS pick
  FROM (
    SELECT t.*, round(lat * 10000)::int AS lat_key, round(lon * 10000)::int AS lon_key
    FROM ({typed_sql}) t WHERE reason IS NULL
  ) k
  -- Detections already stored at this processing level or better are left alone, found through
  -- the unique index; ON CONFLICT DO UPDATE would lock (and so write) every one of them.
  WHERE NOT EXISTS (
    SELECT 1 FROM fire_hotspot s
    WHERE s.satellite = k.satellite AND s.acquired_at = k.acquired_at AND s.lat_key = k.lat_key
      AND s.lon_key = k.lon_key {rank}
      -- Only the stored rows of the file's days can match (a download covers days of a multi-year
      -- archive): without the rank, the unique index alone gives them (an index-only scan).
      AND s.satellite = ANY(%(combo_kind_satellite)s)
      AND s.acquired_at >= %(first_day)s AND s.acquired_at < %(after_last_day)s
  )
), written AS (
  INSERT INTO fire_hotspot AS h (
    source, satellite, instrument, acquired_at, confidence, confidence_raw, frp, brightness, brightness_2,
    scan, track, version, daynight, fire_type, processing, processing_rank, lat_key, lon_key, run_id,
    created_at, updated_at, geom)
  SELECT source, satellite, instrument, acquired_at, confidence, confidence_raw, frp, brightness, brightness_2,
         scan, track, version, daynight, fire_type, processing, processing_rank, lat_key, lon_key, %(run)s, now(),
         now(), ST_SetSRID(ST_MakePoint(lon, lat), 4326)
  FROM fresh WHERE pick = 1
  -- The rows go in in time order (the window's sort, acquisition time first): four of fire_hotspot's five
  -- indexes lead with the time or grow with it, so each insert lands on the few right-hand pages in cache.
  -- Sorted by place instead (lat_key first), the load took 0.3 s more of 3.3 in the bench.
  {conflict}
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)::int, count(*) FILTER (WHERE NOT inserted)::int,
       (SELECT count(*) FROM fresh)::int
FROM written
"""

# A standard-processing row replaces the near-real-time row of the same detection.
_UPGRADE = """DO UPDATE SET
    source = EXCLUDED.source, confidence = EXCLUDED.confidence, confidence_raw = EXCLUDED.confidence_raw,
    frp = EXCLUDED.frp, brightness = EXCLUDED.brightness, brightness_2 = EXCLUDED.brightness_2,
    scan = EXCLUDED.scan, track = EXCLUDED.track, version = EXCLUDED.version, daynight = EXCLUDED.daynight,
    fire_type = EXCLUDED.fire_type, processing = EXCLUDED.processing,
    processing_rank = EXCLUDED.processing_rank, run_id = EXCLUDED.run_id, updated_at = now(),
    geom = EXCLUDED.geom
  WHERE h.processing_rank < EXCLUDED.processing_rank"""
