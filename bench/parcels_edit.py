"""Benchmark: validate and save one edited parcel among 200,000 (overlap, snap, area, commune, history).

Run: python bench/parcels_edit.py   (BENCH_PARCELS=200000, BENCH_EDITS=300)
Uses its own scratch database, gp_parcels_bench, on the server of DATABASE_URL (created, migrated and
dropped here; never another database). Prints p50/p95 in ms of the platform's whole write (the
service that REST, OGC and the desk call: lock, neighbours from the index, pure-Python rules,
district and commune, unique number, save with the history trigger) and, in the same run, of the
bare SQL of the same checks and the same UPDATE in one statement.
"""

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
SCRATCH = "gp_parcels_bench"
_server = urlparse(os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/geoplatform"))
_admin = f"host={_server.hostname or '127.0.0.1'} port={_server.port or 5432} user={_server.username or 'postgres'}"
if _server.password:
    _admin += f" password={_server.password}"
os.environ["DATABASE_URL"] = f"postgis://{_server.netloc}/{SCRATCH}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoplatform.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("GEOPLATFORM_ALLOW_DEV_SECRET", "1")

N = int(os.environ.get("BENCH_PARCELS", 200_000))
EDITS = int(os.environ.get("BENCH_EDITS", 300))
COLUMNS = 400  # parcels of 20 m × 25 m in blocks of 400 per row


def scratch(action: str) -> None:
    """Create or drop the scratch database (never any other)."""
    with psycopg.connect(_admin + " dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
        if action == "create":
            conn.execute(f'CREATE DATABASE "{SCRATCH}"')


def main() -> None:
    scratch("create")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from layers.parcels import services
    from layers.parcels.models import Parcel

    rows = N // COLUMNS
    with connection.cursor() as cursor:
        # The district and one commune around the grid; the grid starts 2 km south-west of Trà My town.
        cursor.execute(
            """
            WITH o AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(108.21, 15.33), 4326), 5899) AS p)
            INSERT INTO places_district (name, name_en, synthetic, geom)
            SELECT 'Bắc Trà My', 'Bac Tra My', true, ST_Multi(ST_Transform(ST_Expand(
                ST_MakeEnvelope(ST_X(p), ST_Y(p), ST_X(p) + %s, ST_Y(p) + %s, 5899), 500), 4326)) FROM o
            """,
            [COLUMNS * 20, rows * 25],
        )
        cursor.execute(
            "INSERT INTO places_commune (district_id, name, code, kind, population, geom) "
            "SELECT id, 'Trà My', 'tra-my', 'town', 0, geom FROM places_district"
        )
        started = time.perf_counter()
        # The load is not what is measured: history triggers off for it (they are on for the edits).
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            """
            WITH o AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(108.21, 15.33), 4326), 5899) AS p),
                 c AS (SELECT id FROM places_commune LIMIT 1)
            INSERT INTO parcels_parcel (map_sheet, parcel_number, land_use_code, area_m2, declared_area_m2,
                area_mismatch, address, holder_name, legal_status, commune_id, version, updated_at, geom)
            SELECT (i / 1000)::text, (i %% 1000 + 1)::text, 'ODT', 500, NULL, false, '', '', '',
                   (SELECT id FROM c), 1, now(),
                   ST_Multi(ST_Transform(ST_MakeEnvelope(ST_X(p) + (i %% %s) * 20, ST_Y(p) + (i / %s) * 25,
                                                         ST_X(p) + (i %% %s) * 20 + 20,
                                                         ST_Y(p) + (i / %s) * 25 + 25, 5899), 4326))
            FROM o, generate_series(0, %s - 1) AS i
            """,
            [COLUMNS, COLUMNS, COLUMNS, COLUMNS, N],
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE parcels_parcel")
    print(f"loaded {N:,} parcels in {time.perf_counter() - started:.1f} s")
    user = User.objects.create_user("bench")
    rng = np.random.default_rng(7)
    ids = list(Parcel.objects.order_by("pk").values_list("pk", flat=True))
    picks = [ids[i] for i in rng.integers(0, len(ids), EDITS)]

    def edited(parcel, k: int):
        # Pull the north-east corner 0.1-0.3 m inward: a real edit, near the neighbours (snap range).
        shape = parcel.geom.clone()
        ring = list(shape[0][0].coords)
        dx = 1e-6 * (1 + k % 3)
        ring[2] = (ring[2][0] - dx, ring[2][1] - dx)
        from django.contrib.gis.geos import LinearRing, MultiPolygon, Polygon

        return MultiPolygon(Polygon(LinearRing(ring)), srid=4326)

    platform = []
    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    for k, pk in enumerate(picks):
        parcel = Parcel.objects.get(pk=pk)
        geom = edited(parcel, k)
        t0 = time.perf_counter()
        with transaction.atomic(), services.write_context(user, "bench"):
            locked = Parcel.objects.select_for_update().get(pk=pk)
            locked.geom = geom
            locked.version += 1
            services.before_write(locked, user, geometry_changed=True)
            locked.save()
        platform.append((time.perf_counter() - t0) * 1000)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    bare_sql = """
        WITH g AS (SELECT ST_SetSRID(ST_GeomFromEWKB(%(wkb)s), 4326) AS g),
        n AS (SELECT p.id, p.geom FROM parcels_parcel p, g
              WHERE p.geom && ST_Expand(g.g, 1e-5) AND p.id <> %(id)s),
        s AS (SELECT CASE WHEN count(n.id) = 0 THEN g.g
                          ELSE ST_Snap(g.g, ST_Collect(n.geom), 0.2 / 111320.0) END AS g
              FROM g LEFT JOIN n ON true GROUP BY g.g),
        checks AS (
            SELECT s.g, ST_IsValid(s.g) AS valid, ST_NPoints(s.g) AS points,
                   ST_Area(ST_Transform(s.g, 5899)) AS area,
                   (SELECT coalesce(max(ST_Area(ST_Transform(ST_Intersection(s.g, n.geom), 5899))), 0)
                      FROM n WHERE ST_Intersects(s.g, n.geom)) AS overlap,
                   (SELECT bool_and(ST_Covers(d.geom, s.g)) FROM places_district d) AS inside,
                   (SELECT c.id FROM places_commune c WHERE ST_Intersects(c.geom, s.g)
                     ORDER BY ST_Area(ST_Intersection(c.geom, s.g)) DESC LIMIT 1) AS commune
            FROM s)
        UPDATE parcels_parcel p SET geom = ST_Multi(checks.g), area_m2 = checks.area, commune_id = checks.commune,
               version = p.version + 1
        FROM checks
        WHERE p.id = %(id)s AND checks.valid AND checks.points <= 10000 AND checks.overlap <= 0.5 AND checks.inside
          AND NOT EXISTS (SELECT 1 FROM parcels_parcel q WHERE q.commune_id = checks.commune
                          AND q.map_sheet = p.map_sheet AND q.parcel_number = p.parcel_number AND q.id <> p.id)
    """
    bare = []
    for k, pk in enumerate(picks):
        parcel = Parcel.objects.get(pk=pk)
        wkb = bytes(edited(parcel, k + 1).ewkb)
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(bare_sql, {"wkb": wkb, "id": pk})
            assert cursor.rowcount == 1, "the bare SQL refused an edit the platform accepted"
        bare.append((time.perf_counter() - t0) * 1000)

    events = Parcel.pgh_event_model.objects.filter(pgh_context__metadata__reason="bench").count()
    print(f"{EDITS} edits among {N:,} parcels ({events} history rows with user and reason written)")
    for name, times in (("platform (rules + history)", platform), ("bare SQL, same checks", bare)):
        p50, p95 = np.percentile(times, [50, 95])
        print(f"  {name:28s} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    connection.close()


if __name__ == "__main__":
    try:
        main()
    finally:
        scratch("drop")
