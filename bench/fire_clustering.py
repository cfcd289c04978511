"""Benchmark: clustering 100,000 hotspots into fire events (goal: under 10 s on 2 cores).

Run: DATABASE_URL=postgis://postgres@127.0.0.1:5432/<scratch db> DJANGO_DEBUG=1 python bench/fire_clustering.py
Prints: the pure space-time clustering (numpy/scipy), the whole service pass (read hotspots, cluster,
create events, figures, footprints, places, lifecycle) and, as a peer in the same run, PostGIS
ST_ClusterDBSCAN over the same points (space only, no time window). The bench deletes what it wrote.
"""

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoplatform.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

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
    lon, lat, t = synthetic(N)
    start = time.perf_counter()
    labels = clustering.cluster(lon, lat, t, distance_m=1500, window_s=24 * 3600)
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
    Hotspot.objects.filter(source="BENCH").delete()
    FireEvent.objects.filter(hotspot_count__gte=0, created_at__gte=START).delete()


if __name__ == "__main__":
    main()
