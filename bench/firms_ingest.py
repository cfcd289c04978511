"""Benchmark: a FIRMS file with 30 % already stored, into a table that already holds many rows.

The issue's sizes are 1,000,000 rows into 5,000,000; on a 2-core machine shared with other work
that load alone would take well over ten minutes, so the defaults are scaled down five times
(BENCH_ROWS=200,000 into BENCH_BASE=1,000,000; set them to the full sizes on a quiet machine).

It touches no database but its own: it creates the scratch database BENCH_DB (default
bench_firms, must start with ``bench_``), migrates it, and drops it at the end.

1. The base: BENCH_BASE rows stored through the ingest (not timed). Then BENCH_ROUNDS rounds (3), each
   with a file of its own, the three ways one after the other, each after a CHECKPOINT; the medians
   are compared (one round on a shared 2-core host varied by 1.5x).
2. Ours: the file (30 % of its rows already stored, 70 % new) through ``ingest.firms``: parse,
   check, COPY into a temp table, the stored detections found through the unique index, one INSERT
   into ``fire_hotspot``.
3. COPY: the rows the ingest stored (the new 70 %; a unique index refuses the rest, so a COPY of
   every line could not run) copied into a table with ``fire_hotspot``'s columns and indexes that
   holds the same base rows. Ours / COPY goal: >= 0.8.
4. geopandas: the same file read by pandas and appended with ``GeoDataFrame.to_postgis`` to a
   table with a GiST index that holds the base rows (it neither checks nor de-duplicates rows:
   less work than ours). Ours / geopandas goal: >= 2.

    nice -n 10 .venv/bin/python bench/firms_ingest.py      (needs bench/requirements.txt)

sqlalchemy and geoalchemy2 (the geopandas peer's) need not go into the project's venv:
``.venv/bin/pip install --no-deps --target /tmp/bench-peers -r bench/requirements.txt`` and run
with ``PYTHONPATH=/tmp/bench-peers``.
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import psycopg

PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "bench_firms")
ROWS = int(os.environ.get("BENCH_ROWS", 200_000))
BASE = int(os.environ.get("BENCH_BASE", 1_000_000))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
STORED_SHARE = 0.3
if not DB.startswith("bench_"):
    raise SystemExit("BENCH_DB must name a scratch database (bench_*): this script drops it")
with psycopg.connect(f"{PG}/postgres", autocommit=True) as _admin:
    _admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    _admin.execute(f'CREATE DATABASE "{DB}"')
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = f"{PG.replace('postgresql://', 'postgis://')}/{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoplatform.settings")
os.environ.setdefault("GEOPLATFORM_ALLOW_DEV_SECRET", "1")
os.environ["GEOPLATFORM_TILE_CACHE_URL"] = ""

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from ingest import firms  # noqa: E402
from layers.fire.models import Hotspot  # noqa: E402

HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,"
    "bright_ti5,frp,daynight"
)


def lines(rows: int, seed: int) -> list[str]:
    """VIIRS lines over South-East Asia on distinct days per seed: random positions, three satellites."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(5, 25, rows).round(5)
    lon = rng.uniform(95, 115, rows).round(5)
    minutes = rng.integers(0, 1440, rows)
    times = (minutes // 60) * 100 + minutes % 60
    days = rng.integers(1, 28, rows)
    sats = rng.choice(["N", "N20", "N21"], rows)
    conf = rng.choice(["l", "n", "h"], rows, p=[0.2, 0.7, 0.1])
    dn = np.where((minutes > 300) & (minutes < 1000), "D", "N")
    frp = rng.gamma(1.5, 4.0, rows).round(2)
    b4 = rng.uniform(300, 367, rows).round(2)
    b5 = rng.uniform(270, 310, rows).round(2)
    month = 1 + seed % 12
    return [
        f"{a},{o},{x},0.39,0.36,2024-{month:02d}-{dd:02d},{t},{s},VIIRS,{c},2.0NRT,{y},{f},{d}"
        for a, o, x, t, dd, s, c, y, f, d in zip(lat, lon, b4, times, days, sats, conf, b5, frp, dn, strict=True)
    ]


def fail(message: str) -> None:
    """Stop the run without figures."""
    print(f"BENCH FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def csv(body: list[str]) -> bytes:
    """A FIRMS CSV file of these lines."""
    return ("\n".join([HEADER, *body]) + "\n").encode()


def sql(statement: str) -> None:
    """Run one statement on the scratch database."""
    with connection.cursor() as cursor:
        cursor.execute(statement)


def round_file(base_lines: list[str], round_no: int) -> bytes:
    """The file of one round: 30 % lines already stored (from the base), 70 % new (a month of their own)."""
    stored = int(ROWS * STORED_SHARE)
    rng = np.random.default_rng(3 + round_no)
    picked = [base_lines[i] for i in rng.choice(BASE, stored, replace=False)]
    file_lines = picked + lines(ROWS - stored, seed=2 + round_no)
    rng.shuffle(file_lines)
    return csv(file_lines)


def main() -> None:
    """Load the base, time the three ways round after round, print the medians."""
    call_command("migrate", verbosity=0)
    base_lines = lines(BASE, seed=1)
    stored = int(ROWS * STORED_SHARE)

    print(f"loading the base of {BASE:,} rows", file=sys.stderr, flush=True)
    for start in range(0, BASE, 500_000):
        firms.ingest_bytes(csv(base_lines[start : start + 500_000]), file_name=f"base-{start}.csv")
    base_count = Hotspot.objects.count()
    # The COPY peer's table: fire_hotspot's columns and indexes, the same base rows.
    sql("CREATE TABLE bench_copy (LIKE fire_hotspot INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING GENERATED)")
    # Stored generated columns (geom_3857) are computed by the table, in the COPY as in the ingest.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) "
            "FROM information_schema.columns WHERE table_name = 'fire_hotspot' AND is_generated = 'NEVER'"
        )
        columns = cursor.fetchone()[0]
    sql(f"INSERT INTO bench_copy ({columns}) SELECT {columns} FROM fire_hotspot")
    # The geopandas peer's table: the base rows as to_postgis writes them, with its GiST index.
    import geopandas
    import pandas
    from sqlalchemy import create_engine

    engine = create_engine(f"postgresql+psycopg://{PG.removeprefix('postgresql://')}/{DB}")

    def frame(raw: bytes):
        table = pandas.read_csv(io.BytesIO(raw))
        return geopandas.GeoDataFrame(
            table, geometry=geopandas.points_from_xy(table.longitude, table.latitude), crs="EPSG:4326"
        )

    frame(csv(base_lines)).to_postgis("bench_gpd", engine, if_exists="replace", index=False, chunksize=50_000)
    sql("VACUUM ANALYZE")

    timings = {"ours": [], "copy": [], "gpd": []}
    for round_no in range(ROUNDS):
        data = round_file(base_lines, round_no)
        # Each way starts from the same state: no checkpoint left running from the loads before it (its
        # full-page writes would land on whichever way runs next).
        sql("CHECKPOINT")
        start = time.perf_counter()
        run = firms.ingest_bytes(data, file_name=f"bench-{round_no}.csv")
        timings["ours"].append(time.perf_counter() - start)
        if (run.rows_new, run.rows_duplicate) != (ROWS - stored, stored):
            fail(
                f"the ingest stored {run.rows_new} new and {run.rows_duplicate} duplicates,"
                f" not {ROWS - stored}/{stored}"
            )
        expected = base_count + (round_no + 1) * (ROWS - stored)
        if Hotspot.objects.count() != expected:
            fail(f"fire_hotspot holds {Hotspot.objects.count()} rows, not {expected}")

        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY (SELECT {columns} FROM fire_hotspot WHERE run_id = {int(run.pk)}) TO STDOUT") as out,
        ):
            rows = b"".join(bytes(block) for block in out)
        sql("CHECKPOINT")
        start = time.perf_counter()
        with connection.cursor() as cursor, cursor.copy(f"COPY bench_copy ({columns}) FROM STDIN") as copy:
            copy.write(rows)
        timings["copy"].append(time.perf_counter() - start)

        sql("CHECKPOINT")
        start = time.perf_counter()
        frame(data).to_postgis("bench_gpd", engine, if_exists="append", index=False, chunksize=50_000)
        timings["gpd"].append(time.perf_counter() - start)
        with connection.cursor() as cursor:
            cursor.execute("SELECT (SELECT count(*) FROM bench_copy), (SELECT count(*) FROM bench_gpd)")
            copied, appended = cursor.fetchone()
        if copied != expected or appended != BASE + (round_no + 1) * ROWS:
            fail(
                f"the peers' tables hold {copied} and {appended} rows,"
                f" not {expected} and {BASE + (round_no + 1) * ROWS}"
            )
        print(
            f"round {round_no + 1}: ours {timings['ours'][-1]:.2f} s, COPY {timings['copy'][-1]:.2f} s, "
            f"geopandas {timings['gpd'][-1]:.2f} s",
            file=sys.stderr,
            flush=True,
        )

    ours, copy_s, gpd_s = (statistics.median(timings[way]) for way in ("ours", "copy", "gpd"))
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"\n{ROWS:,} rows ({stored:,} already stored) into a table of {base_count:,} (growing by the new rows each")
    print(f"round), median of {ROUNDS} rounds, each way after a CHECKPOINT; 2-core host shared with other work (load")
    print(f"{load} at the end); PostgreSQL with fire_hotspot's indexes (GiST, detection key, time, source and time);")
    print(f"geopandas {geopandas.__version__}, pandas {pandas.__version__}.\n")
    print("| way | seconds (median; all rounds) | rows/s | ours / peer | goal |")
    print("| --- | --- | --- | --- | --- |")

    def each(way: str) -> str:
        return ", ".join(f"{t:.2f}" for t in timings[way])

    print(
        f"| ours: ingest.firms (checks, de-duplication, insert) | {ours:.2f} ({each('ours')}) |"
        f" {ROWS / ours:,.0f} | | |"
    )
    print(f"| COPY of the {ROWS - stored:,} new rows, same indexes | {copy_s:.2f} ({each('copy')}) | "
          f"{(ROWS - stored) / copy_s:,.0f} | {copy_s / ours:.2f} | ≥ 0.8 |")  # fmt: skip
    print(f"| geopandas to_postgis of the file | {gpd_s:.2f} ({each('gpd')}) | {ROWS / gpd_s:,.0f} | "
          f"{gpd_s / ours:.2f} | ≥ 2 |")  # fmt: skip


if __name__ == "__main__":
    try:
        main()
    finally:
        connection.close()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
