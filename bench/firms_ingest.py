"""Benchmark: a FIRMS file with 30 % already stored, into a table that already holds many rows.

The issue's sizes are 1,000,000 rows into 5,000,000; on a 2-core machine shared with other work
that load alone would take well over ten minutes, so the defaults are scaled down five times
(BENCH_ROWS=200,000 into BENCH_BASE=1,000,000; set them to the full sizes on a quiet machine).

It touches no database but its own: it creates the scratch database BENCH_DB (default
bench_firms, must start with ``bench_``), migrates it, and drops it at the end.

Time as in real FIRMS downloads (changed 2026-12-05): a file covers FILE_DAYS (7) days, like the NRT
"last 7 days" download, and its first 2.1 days (the stored 30 %) are the previous download's last days,
every stored line of them; the new 70 % follow in time. The base is the archive of the days before, at
the same lines per day (1,000,000 lines are 35 days). Before, the stored 30 % were drawn at random from
the base's whole month and the new lines filled a month of their own, so every file spanned the whole
archive: no real download does, and it hid what a lookup restricted to the file's days is worth. A real
archive holds years, so here the file's days hold a larger share of the stored rows than they would.

1. The base: BASE rows stored through the ingest (not timed). Then BENCH_ROUNDS rounds (3), each
   the next download, the ways one after the other, each after a CHECKPOINT; the medians are
   compared (one round on a shared 2-core host varied by 1.5x). BENCH_WAYS (copy,gpd,gpd_same) picks
   the peers; only the peers picked get their base tables.
2. Ours: the file (30 % of its rows already stored, 70 % new) through ``ingest.firms``: parse,
   check, COPY into a temp table, the stored detections of the file's days read from the unique index
   and hashed (anti-join), one INSERT into ``fire_hotspot``.
3. COPY: the rows the ingest stored (the new 70 %; a unique index refuses the rest, so a COPY of
   every line could not run) copied into a table with ``fire_hotspot``'s columns and indexes that
   holds the same base rows. Ours / COPY goal: >= 0.8.
4. geopandas, two ways. "gpd": the file read by pandas and appended with ``GeoDataFrame.to_postgis``
   to a table with only to_postgis' GiST index (no checks, no de-duplication: less work than ours).
   "gpd_same": the same work as ours the way a geopandas user would write it: values checked and
   keyed with pandas, lines repeated in the file dropped, the stored keys of the file's time range
   read with ``pandas.read_sql`` and filtered out by a merge, then ``to_postgis`` into a table with
   ``fire_hotspot``'s five indexes and generated 3857 column; it must append exactly the new rows.
   Ours / geopandas goal: >= 2, read against "gpd_same" (the issue asks for peers doing the same work).

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
# The ways timed (ours always): BENCH_WAYS=ours,copy for a quicker look.
WAYS = ["ours", *(w for w in os.environ.get("BENCH_WAYS", "copy,gpd,gpd_same").split(",") if w and w != "ours")]
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


# Time as FIRMS downloads have it: a file covers FILE_DAYS days (the NRT "last 7 days" download), and
# the file before it covered the days before, so its first days (STORED_SHARE of its lines) are stored
# already; the base is the archive of the days before that, at the same density of lines per day.
FILE_DAYS = 7
ORIGIN = np.datetime64("2024-01-01T00:00", "m")


def lines(rows: int, start: int, end: int, seed: int) -> list[str]:
    """VIIRS lines over South-East Asia acquired in [start, end) (minutes from ORIGIN), in time order."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(5, 25, rows).round(5)
    lon = rng.uniform(95, 115, rows).round(5)
    at = ORIGIN + np.sort(rng.integers(start, end, rows)).astype("timedelta64[m]")
    dates = at.astype("datetime64[D]")
    minutes = (at - dates).astype(int)
    times = (minutes // 60) * 100 + minutes % 60
    sats = rng.choice(["N", "N20", "N21"], rows)
    conf = rng.choice(["l", "n", "h"], rows, p=[0.2, 0.7, 0.1])
    dn = np.where((minutes > 300) & (minutes < 1000), "D", "N")
    frp = rng.gamma(1.5, 4.0, rows).round(2)
    b4 = rng.uniform(300, 367, rows).round(2)
    b5 = rng.uniform(270, 310, rows).round(2)
    return [
        f"{a},{o},{x},0.39,0.36,{dd},{t},{s},VIIRS,{c},2.0NRT,{y},{f},{d}"
        for a, o, x, t, dd, s, c, y, f, d in zip(
            lat, lon, b4, times, dates.astype(str), sats, conf, b5, frp, dn, strict=True
        )
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


def per_day() -> float:
    """Lines a day: a file's ROWS lines cover FILE_DAYS days."""
    return ROWS / FILE_DAYS


def base_lines() -> tuple[list[str], int]:
    """The archive: BASE lines over the days before the first file, in time order; (lines, its end in minutes)."""
    end = round(BASE / per_day() * 1440)
    return lines(BASE, 0, end, seed=1), end


def round_file(latest: list[str], end: int, round_no: int) -> tuple[bytes, list[str], int]:
    """One download: the stored lines of its first days, then new ones; (file, its new lines, their end).

    The stored 30 % are the last stored lines in time (those of the previous download's last days, as a
    download of the last FILE_DAYS days repeats them all), the new 70 % follow them in time.
    """
    stored = int(ROWS * STORED_SHARE)
    new_end = end + round((ROWS - stored) / per_day() * 1440)
    new = lines(ROWS - stored, end, new_end, seed=2 + round_no)
    file_lines = latest[-stored:] + new
    np.random.default_rng(3 + round_no).shuffle(file_lines)
    return csv(file_lines), new, new_end


def main() -> None:
    """Load the base, time the three ways round after round, print the medians."""
    call_command("migrate", verbosity=0)
    base, end = base_lines()
    stored = int(ROWS * STORED_SHARE)

    print(f"loading the base of {BASE:,} rows", file=sys.stderr, flush=True)
    for start in range(0, BASE, 500_000):
        firms.ingest_bytes(csv(base[start : start + 500_000]), file_name=f"base-{start}.csv")
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
    # The geopandas peers' tables: the base rows as to_postgis writes them. "gpd": the file appended as
    # read, with to_postgis' GiST index only. "gpd_same": the work ours does, the way a geopandas user
    # would write it (below), into a table with fire_hotspot's five indexes and generated column.
    import geopandas
    import pandas
    from sqlalchemy import create_engine, text

    engine = create_engine(f"postgresql+psycopg://{PG.removeprefix('postgresql://')}/{DB}")

    def frame(raw: bytes):
        table = pandas.read_csv(io.BytesIO(raw))
        return geopandas.GeoDataFrame(
            table, geometry=geopandas.points_from_xy(table.longitude, table.latitude), crs="EPSG:4326"
        )

    names = {
        "N": ("S-NPP", "VIIRS_SNPP_NRT"),
        "N20": ("NOAA-20", "VIIRS_NOAA20_NRT"),
        "N21": ("NOAA-21", "VIIRS_NOAA21_NRT"),
    }
    key = ["satellite", "acquired_at", "lat_key", "lon_key"]

    def checked(raw: bytes):
        """The file as a geopandas user would check and key it: bad values dropped, one line per detection."""
        table = pandas.read_csv(io.BytesIO(raw), dtype={"satellite": str, "acq_date": str})
        day = pandas.to_datetime(table.acq_date, format="%Y-%m-%d", errors="coerce", utc=True)
        clock = pandas.to_numeric(table.acq_time, errors="coerce")
        table["acquired_at"] = day + pandas.to_timedelta(clock // 100 * 60 + clock % 100, unit="min")
        table["source"] = table.satellite.map({k: v[1] for k, v in names.items()})
        table["satellite"] = table.satellite.map({k: v[0] for k, v in names.items()})
        table["confidence_raw"] = table.confidence
        table["confidence"] = table.confidence.map({"l": "low", "n": "nominal", "h": "high"})
        ok = (
            table.latitude.between(-90, 90) & table.longitude.between(-180, 180) & (clock % 100 < 60)
            & (clock < 2400) & table.acquired_at.notna() & table.satellite.notna() & table.confidence.notna()
        )  # fmt: skip
        table = table[ok].copy()
        table["lat_key"] = (table.latitude * 10000).round().astype("int32")
        table["lon_key"] = (table.longitude * 10000).round().astype("int32")
        table = table.drop_duplicates(subset=key, keep="last")
        table = table.rename(columns={"bright_ti4": "brightness", "bright_ti5": "brightness_2"})
        table = table.assign(instrument="VIIRS", processing="NRT", processing_rank=1)
        geom = geopandas.points_from_xy(table.longitude, table.latitude)
        columns = ["source", "satellite", "instrument", "acquired_at", "confidence", "confidence_raw", "frp",
                   "brightness", "brightness_2", "scan", "track", "version", "daynight", "processing",
                   "processing_rank", "lat_key", "lon_key"]  # fmt: skip
        return geopandas.GeoDataFrame(table[columns], geometry=geom, crs="EPSG:4326").rename_geometry("geom")

    def same_work(raw: bytes) -> int:
        """The geopandas way with ours' work: check, drop the detections stored in the file's time range, append."""
        fresh = checked(raw)
        query = text(
            "SELECT satellite, acquired_at, lat_key, lon_key FROM bench_gpd_same"
            " WHERE acquired_at BETWEEN :first AND :last"
        )
        bounds = {"first": fresh.acquired_at.min().to_pydatetime(), "last": fresh.acquired_at.max().to_pydatetime()}
        stored_keys = pandas.read_sql(query, engine, params=bounds)
        stored_keys["acquired_at"] = pandas.to_datetime(stored_keys.acquired_at, utc=True)
        seen = fresh[key].merge(stored_keys, on=key, how="left", indicator=True)["_merge"].to_numpy() == "both"
        fresh = fresh[~seen]
        fresh.to_postgis("bench_gpd_same", engine, if_exists="append", index=False, chunksize=50_000)
        return len(fresh)

    # Only the peers timed get their base tables (a 5,000,000-row base takes minutes per peer here).
    if "gpd" in WAYS:
        frame(csv(base)).to_postgis("bench_gpd", engine, if_exists="replace", index=False, chunksize=50_000)
    if "gpd_same" in WAYS:
        checked(csv(base)).to_postgis("bench_gpd_same", engine, if_exists="replace", index=False, chunksize=50_000)
        sql("ALTER TABLE bench_gpd_same ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
        sql(
            "ALTER TABLE bench_gpd_same ADD COLUMN geom_3857 geometry(Point, 3857)"
            " GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED"
        )
        sql("CREATE UNIQUE INDEX ON bench_gpd_same (satellite, acquired_at, lat_key, lon_key)")
        sql("CREATE INDEX ON bench_gpd_same (acquired_at)")
        sql("CREATE INDEX ON bench_gpd_same (source, acquired_at)")
    sql("VACUUM ANALYZE")

    timings = {way: [] for way in WAYS}
    latest = base
    for round_no in range(ROUNDS):
        data, latest, end = round_file(latest, end, round_no)
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

        if "copy" in WAYS:
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

        if "gpd" in WAYS:
            sql("CHECKPOINT")
            start = time.perf_counter()
            frame(data).to_postgis("bench_gpd", engine, if_exists="append", index=False, chunksize=50_000)
            timings["gpd"].append(time.perf_counter() - start)

        if "gpd_same" in WAYS:
            sql("CHECKPOINT")
            start = time.perf_counter()
            appended_new = same_work(data)
            timings["gpd_same"].append(time.perf_counter() - start)
            if appended_new != ROWS - stored:
                fail(f"the same-work geopandas peer appended {appended_new} rows, not {ROWS - stored}")

        wanted = {"copy": expected, "gpd": BASE + (round_no + 1) * ROWS, "gpd_same": expected}
        counts = {}
        for way in set(WAYS) & set(wanted):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM bench_{way}")
                counts[way] = cursor.fetchone()[0]
            if counts[way] != wanted[way]:
                fail(f"the {way} peer's table holds {counts[way]} rows, not {wanted[way]}")
        print(
            f"round {round_no + 1}: " + ", ".join(f"{way} {timings[way][-1]:.2f} s" for way in WAYS),
            file=sys.stderr,
            flush=True,
        )

    median = {way: statistics.median(timings[way]) for way in WAYS}
    ours = median["ours"]
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"\n{ROWS:,} rows ({stored:,} already stored) into a table of {base_count:,} (growing by the new rows each")
    print(f"round), median of {ROUNDS} rounds, each way after a CHECKPOINT; 2-core host shared with other work (load")
    print(f"{load} at the end); PostgreSQL with fire_hotspot's indexes (GiST, detection key, time, source and time);")
    print(f"each file covers {FILE_DAYS} days, the first {STORED_SHARE * FILE_DAYS:.1f} stored already, after a base")
    print(f"of {BASE / per_day():.0f} days; geopandas {geopandas.__version__}, pandas {pandas.__version__}.\n")
    print("| way | seconds (median; all rounds) | rows/s | ours / peer | goal |")
    print("| --- | --- | --- | --- | --- |")

    def each(way: str) -> str:
        return ", ".join(f"{t:.2f}" for t in timings[way])

    titles = {
        "ours": ("ours: ingest.firms (checks, de-duplication, insert)", ROWS, ""),
        "copy": (f"COPY of the {ROWS - stored:,} new rows, same indexes", ROWS - stored, "≥ 0.8"),
        "gpd": ("geopandas to_postgis of the file, GiST index only, no checks (less work)", ROWS, ""),
        "gpd_same": (
            "geopandas: checks, stored keys of the file's days filtered, to_postgis; same indexes",
            ROWS,
            "≥ 2",
        ),
    }
    for way in WAYS:
        title, rows, goal = titles[way]
        ratio = "" if way == "ours" else f"{median[way] / ours:.2f}"
        print(f"| {title} | {median[way]:.2f} ({each(way)}) | {rows / median[way]:,.0f} | {ratio} | {goal} |")


if __name__ == "__main__":
    try:
        main()
    finally:
        connection.close()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
