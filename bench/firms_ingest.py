"""Benchmark: FIRMS CSV ingest of 200,000 rows, twice, against a bare COPY of the same rows.

Run: DATABASE_URL=postgis://postgres@127.0.0.1:5432/<scratch db> DJANGO_DEBUG=1 python bench/firms_ingest.py
The database must be migrated; the bench deletes the hotspots it wrote.
Prints rows/s for: bare COPY of the CSV into a typed scratch table without indexes, bare COPY of the
stored rows into a table shaped like fire_hotspot with its indexes (the floor for keeping these rows
searchable), first ingest (all new), second ingest of the same rows in a different file (all
duplicates), and the ratios to both COPYs.
"""

import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoplatform.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from ingest import firms  # noqa: E402
from ingest.models import IngestRun  # noqa: E402
from layers.fire.models import Hotspot  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", 200_000))
HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,"
    "bright_ti5,frp,daynight"
)


def make_csv(rows: int, seed: int = 7) -> bytes:
    """A large global VIIRS day: random land-ish positions, overpass times, three satellites."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(-40, 60, rows).round(5)
    lon = rng.uniform(-180, 180, rows).round(5)
    minutes = rng.integers(0, 1440, rows)
    times = (minutes // 60) * 100 + minutes % 60
    sats = rng.choice(["N", "N20", "N21"], rows)
    conf = rng.choice(["l", "n", "h"], rows, p=[0.2, 0.7, 0.1])
    dn = np.where((minutes > 300) & (minutes < 1000), "D", "N")
    frp = rng.gamma(1.5, 4.0, rows).round(2)
    b4 = rng.uniform(300, 367, rows).round(2)
    b5 = rng.uniform(270, 310, rows).round(2)
    lines = [HEADER]
    lines += [
        f"{a},{o},{x},0.39,0.36,2024-03-10,{t},{s},VIIRS,{c},2.0NRT,{y},{f},{d}"
        for a, o, x, t, s, c, y, f, d in zip(lat, lon, b4, times, sats, conf, b5, frp, dn, strict=True)
    ]
    return ("\n".join(lines) + "\n").encode()


def _timed_copy(table: str, definition: str, rows: bytes, options: str = "") -> float:
    """Seconds for COPY of rows into a fresh scratch table (committed); the table is dropped afterwards."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} {definition}")
    start = time.perf_counter()
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} FROM STDIN {options}") as copy:
        copy.write(rows)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        copied = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {table}")
    assert copied > 0
    return elapsed


def bare_copy(data: bytes) -> float:
    """Seconds for COPY of the CSV's rows into a typed scratch table without indexes."""
    columns = (
        "(latitude float8, longitude float8, bright_ti4 float8, scan float8, track float8, acq_date date,"
        " acq_time text, satellite text, instrument text, confidence text, version text, bright_ti5 float8,"
        " frp float8, daynight text)"
    )
    return _timed_copy("bench_firms_scratch", columns, data.split(b"\n", 1)[1], "WITH (FORMAT csv)")


def indexed_copy(run_id: int) -> float:
    """Seconds for COPY of the stored rows of a run into a table like fire_hotspot (same indexes)."""
    query = f"COPY (SELECT * FROM fire_hotspot WHERE run_id = {int(run_id)}) TO STDOUT"
    with connection.cursor() as cursor, cursor.copy(query) as out:
        rows = b"".join(bytes(block) for block in out)
    return _timed_copy("bench_hotspot_like", "(LIKE fire_hotspot INCLUDING DEFAULTS INCLUDING INDEXES)", rows)


def timed_ingest(data: bytes, name: str):
    start = time.perf_counter()
    run = firms.ingest_bytes(data, file_name=name)
    return time.perf_counter() - start, run


def fresh_start(*files: bytes) -> None:
    """Forget earlier runs of these very files (a replay would be a no-op) and vacuum the hotspot table."""
    shas = [hashlib.sha256(f).hexdigest() for f in files]
    old = list(IngestRun.objects.filter(kind="firms", sha256__in=shas).values_list("pk", flat=True))
    Hotspot.objects.filter(run__in=old).delete()
    IngestRun.objects.filter(pk__in=old).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE fire_hotspot")  # dead rows of earlier bench runs would be scanned


def main() -> None:
    data = make_csv(ROWS)
    # Same rows, different bytes (CRLF): a new SHA-256, so the second run goes through the full path.
    again = data.replace(b"\n", b"\r\n")
    fresh_start(data, again)
    before = Hotspot.objects.count()
    copy_s = bare_copy(data)
    first_s, first = timed_ingest(data, "bench-1.csv")
    second_s, second = timed_ingest(again, "bench-2.csv")
    indexed_s = indexed_copy(first.pk)
    assert "replay_of" not in first.params and "replay_of" not in second.params
    assert first.rows_new == Hotspot.objects.count() - before == ROWS
    assert second.rows_new == 0 and second.rows_duplicate == first.rows_new + first.rows_duplicate
    print(f"rows: {ROWS}, stored once: {first.rows_new} (in-file duplicates {first.rows_duplicate})")
    print(f"bare COPY            {copy_s:7.2f} s  {ROWS / copy_s:10.0f} rows/s")
    print(
        f"ingest, all new      {first_s:7.2f} s  {ROWS / first_s:10.0f} rows/s  ratio to COPY {copy_s / first_s:.2f}x"
    )
    print(f"ingest, duplicates   {second_s:7.2f} s  {ROWS / second_s:10.0f} rows/s  ratio {copy_s / second_s:.2f}x")
    print(f"bare COPY, indexed   {indexed_s:7.2f} s  {ROWS / indexed_s:10.0f} rows/s  (stored rows, same indexes)")
    print(f"ingest, all new vs indexed COPY: {indexed_s / first_s:.2f}x; duplicates: {indexed_s / second_s:.2f}x")
    print(f"duplicates run vs first run: {first_s / second_s:.2f}x as fast")
    Hotspot.objects.filter(run__in=[first.pk, second.pk]).delete()
    IngestRun.objects.filter(pk__in=[first.pk, second.pk]).delete()


if __name__ == "__main__":
    main()
