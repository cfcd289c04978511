"""Benchmark: a FIRMS file with 30 % already stored, into a table that already holds many rows.

The issue's sizes are 1,000,000 rows into 5,000,000; on a 2-core machine shared with other work
that load alone would take well over ten minutes, so the defaults are scaled down five times
(BENCH_ROWS=200,000 into BENCH_BASE=1,000,000; set them to the full sizes on a quiet machine).

It touches no database but its own: it creates the scratch database BENCH_DB (default
bench_firms, must start with ``bench_``), migrates it, and drops it at the end.

1. The base: BENCH_BASE rows stored through the ingest (not timed).
2. Ours: the file (30 % of its rows already stored, 70 % new) through ``ingest.firms``: parse,
   check, COPY into a temp table, one INSERT ... ON CONFLICT into ``fire_hotspot``.
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
import sys
import time
from pathlib import Path

import numpy as np
import psycopg

PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "bench_firms")
ROWS = int(os.environ.get("BENCH_ROWS", 200_000))
BASE = int(os.environ.get("BENCH_BASE", 1_000_000))
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


def main() -> None:
    """Load the base, time the three ways, print the table."""
    call_command("migrate", verbosity=0)
    base_lines = lines(BASE, seed=1)
    stored = int(ROWS * STORED_SHARE)
    rng = np.random.default_rng(3)
    picked = [base_lines[i] for i in rng.choice(BASE, stored, replace=False)]
    file_lines = picked + lines(ROWS - stored, seed=2)
    rng.shuffle(file_lines)
    data = csv(file_lines)

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

    start = time.perf_counter()
    run = firms.ingest_bytes(data, file_name="bench.csv")
    ours = time.perf_counter() - start
    if (run.rows_new, run.rows_duplicate) != (ROWS - stored, stored):
        fail(f"the ingest stored {run.rows_new} new and {run.rows_duplicate} duplicates, not {ROWS - stored}/{stored}")
    if Hotspot.objects.count() != base_count + ROWS - stored:
        fail(f"fire_hotspot holds {Hotspot.objects.count()} rows, not {base_count + ROWS - stored}")

    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY (SELECT {columns} FROM fire_hotspot WHERE run_id = {int(run.pk)}) TO STDOUT") as out,
    ):
        rows = b"".join(bytes(block) for block in out)
    start = time.perf_counter()
    with connection.cursor() as cursor, cursor.copy(f"COPY bench_copy ({columns}) FROM STDIN") as copy:
        copy.write(rows)
    copy_s = time.perf_counter() - start

    start = time.perf_counter()
    frame(data).to_postgis("bench_gpd", engine, if_exists="append", index=False, chunksize=50_000)
    gpd_s = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM bench_copy), (SELECT count(*) FROM bench_gpd)")
        copied, appended = cursor.fetchone()
    if copied != base_count + ROWS - stored or appended != BASE + ROWS:
        fail(f"the peers' tables hold {copied} and {appended} rows, not {base_count + ROWS - stored} and {BASE + ROWS}")

    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"\n{ROWS:,} rows ({stored:,} already stored) into a table of {base_count:,}; 2-core host shared with")
    print(f"other work (load {load} at the end); PostgreSQL with fire_hotspot's indexes (GiST, detection key, run,")
    print(f"time); geopandas {geopandas.__version__}, pandas {pandas.__version__}.\n")
    print("| way | seconds | rows/s | ours / peer | goal |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| ours: ingest.firms (checks, de-duplication, upsert) | {ours:.2f} | {ROWS / ours:,.0f} | | |")
    print(f"| COPY of the {ROWS - stored:,} new rows, same indexes | {copy_s:.2f} | {(ROWS - stored) / copy_s:,.0f} | "
          f"{copy_s / ours:.2f} | ≥ 0.8 |")  # fmt: skip
    print(f"| geopandas to_postgis of the file | {gpd_s:.2f} | {ROWS / gpd_s:,.0f} | {gpd_s / ours:.2f} | ≥ 2 |")


if __name__ == "__main__":
    try:
        main()
    finally:
        connection.close()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
