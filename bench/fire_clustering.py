"""Benchmark: clustering 100,000 hotspots into fire events (goal: under 10 s on 2 cores).

Run: python bench/fire_clustering.py
Prints: the pure space-time clustering (numpy/scipy), the whole service pass (read hotspots, cluster,
create events, figures, footprints, places, lifecycle) and, as a peer in the same run, PostGIS
ST_ClusterDBSCAN over the same points (space only, no time window).

It touches no database but its own: it creates the scratch database BENCH_DB (default
bench_fire_clustering, which must start with ``bench_``) on BENCH_PG, migrates it, and drops it
at the end. DATABASE_URL is ignored on purpose.
"""

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg

PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "bench_fire_clustering")
if not DB.startswith("bench_"):
    raise SystemExit("BENCH_DB must name a scratch database (bench_*): this script drops it")
with psycopg.connect(f"{PG}/postgres", autocommit=True) as _admin:
    _admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    _admin.execute(f'CREATE DATABASE "{DB}"')
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = f"{PG.replace('postgresql://', 'postgis://')}/{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoplatform.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("GEOPLATFORM_ALLOW_DEV_SECRET", "1")

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from layers.fire import clustering, services  # noqa: E402
from layers.fire.models import FireEvent, Hotspot  # noqa: E402

N = int(os.environ.get("BENCH_HOTSPOTS", 100_000))
START = datetime(2024, 1, 1, tzinfo=UTC)


def synthetic(n: int, seed: int = 11):
    """A dry season over mainland South-East Asia: 15,000 fires burning up to 3 days, 60 days long."""
    rng = np.random.default_rng(seed)
    fires = 15_000
    centre_lon = rng.uniform(98, 110, fires)
    centre_lat = rng.uniform(10, 23, fires)
    centre_t = rng.uniform(0, 60 * 86400, fires)
    which = rng.integers(0, fires, n)
    lon = centre_lon[which] + rng.normal(0, 0.004, n)
    lat = centre_lat[which] + rng.normal(0, 0.004, n)
    t = centre_t[which] + rng.uniform(0, 3 * 86400, n)
    return lon, lat, np.round(t / 60) * 60


def load(lon, lat, t) -> None:
    """Store the hotspots (one INSERT from arrays; the ingest path is measured by bench/firms_ingest.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO fire_hotspot (source, satellite, instrument, acquired_at, confidence, confidence_raw, version,
              daynight, processing, processing_rank, lat_key, lon_key, created_at, updated_at, geom)
            SELECT 'BENCH', 'S-NPP', 'VIIRS', %s::timestamptz + make_interval(secs => v.t), 'nominal', 'n', '', '',
                   'NRT', 1, round(v.lat * 10000)::int, round(v.lon * 10000)::int, now(), now(),
                   ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326)
            FROM unnest(%s::float8[], %s::float8[], %s::float8[]) AS v(lon, lat, t)
            ON CONFLICT DO NOTHING
            """,
            [START, lon.tolist(), lat.tolist(), t.tolist()],
        )


def main() -> None:
    """Migrate the scratch database, time the three passes, print them."""
    call_command("migrate", verbosity=0)
    lon, lat, t = synthetic(N)
    # The times as the service reads them back (seconds since 1970), so both passes cluster the same
    # numbers and must find the same events.
    epoch = START.timestamp() + t
    start = time.perf_counter()
    labels = clustering.cluster(lon, lat, epoch, distance_m=1500, window_s=24 * 3600)
    pure_s = time.perf_counter() - start
    load(lon, lat, t)
    stored = Hotspot.objects.filter(source="BENCH").count()
    start = time.perf_counter()
    result = services.refresh_events(now=START + timedelta(days=63))
    service_s = time.perf_counter() - start
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT c) FROM (SELECT ST_ClusterDBSCAN(geom, eps := 0.0135, minpoints := 1) OVER () AS c"
            " FROM fire_hotspot WHERE source = 'BENCH') x"
        )
        dbscan_clusters = cursor.fetchone()[0]
    dbscan_s = time.perf_counter() - start
    print(f"hotspots: {N} ({stored} stored)")
    print(f"pure clustering (space 1.5 km + time 24 h): {pure_s:6.2f} s -> {labels.max() + 1} events")
    print(f"whole service pass (refresh_events):        {service_s:6.2f} s -> {result['events_created']} events")
    print(f"peer: PostGIS ST_ClusterDBSCAN, space only: {dbscan_s:6.2f} s -> {dbscan_clusters} clusters")
    verdict = "met" if service_s < 10 else "NOT met"
    print(f"ratio service/DBSCAN: {service_s / dbscan_s:.2f}x   goal under 10 s: {verdict}")
    print(f"load average (1/5/15 min) at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    if stored != N or not result["events_created"] == FireEvent.objects.count() == labels.max() + 1:
        print(
            f"BENCH FAILED: {stored} of {N} hotspots stored; the service made {result['events_created']} events, "
            f"the pure clustering {labels.max() + 1}",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    finally:
        connection.close()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
