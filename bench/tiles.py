"""Vector tiles and GeoJSON pages: our endpoints vs the bare SQL vs tipg, measured in one run.

Loads 300,000 hotspots and 200,000 parcels into a scratch database (never the dev database),
serves it with our app under gunicorn and with tipg under uvicorn (tipg lives in its own venv,
never in requirements.txt), then times the same ~1,000 tiles at z10-z17 and the same GeoJSON
pages of 1,000 features through each, plus the bare SQL through psycopg. Prints a markdown table.

    nice -n 10 .venv/bin/python bench/tiles.py            # everything (about 5 minutes on 2 cores)
    nice -n 10 .venv/bin/python bench/tiles.py --reuse    # keep an already loaded scratch database
    nice -n 10 .venv/bin/python bench/tiles.py --reuse --tipg-serial  # tipg without parallel workers too

The bare SQL runs each statement exactly as the endpoint does (in a transaction with
max_parallel_workers_per_gather=0, see layers.api.sql.serial). tipg reads the 4326 ``geom``
column and is asked (``?properties=``) for the same tile attributes ours serve (the layer's
``tile_fields``); its GeoJSON pages carry the same public fields as ours. The host is shared:
compare the ratios of one run, not rates across runs.

``--reuse`` keeps the loaded rows but still applies new migrations (e.g. a generated column) and
re-analyses both tables, so the measured schema is the code's.

Environment: BENCH_PG (server URL, default postgresql://postgres@127.0.0.1:5432), BENCH_DB
(default gp_bench_api), BENCH_TIPG_VENV (default /tmp/tipg-venv; created with pip if missing).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "gp_bench_api")
TIPG_VENV = Path(os.environ.get("BENCH_TIPG_VENV", "/tmp/tipg-venv"))
HOTSPOTS, PARCELS = 300_000, 200_000
DISTRICT = (107.95, 15.10, 108.40, 15.45)
TOWN = (108.23, 15.35)
SEED = 20241123
# What layers.api.sql.serial() runs before each page or tile statement.
SERIAL = (
    "SELECT current_setting('max_parallel_workers_per_gather'), "
    "set_config('max_parallel_workers_per_gather', '0', true)"
)


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the table."""
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------------------------------------
# The scratch database


def app_env() -> dict:
    """Environment for manage.py and gunicorn against the scratch database."""
    return {
        **os.environ,
        "DATABASE_URL": f"{PG.replace('postgresql://', 'postgis://')}/{DB}",
        "GEOPLATFORM_ALLOW_DEV_SECRET": "1",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GEOPLATFORM_LOG_LEVEL": "WARNING",
    }


def create_database() -> None:
    """Drop and recreate the scratch database and build its tables from the migrations."""
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    log("migrating the scratch database")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=app_env(), check=True)


def _fill_required(conn, table: str, given: dict[str, str]) -> tuple[list[str], list[str], list]:
    """Columns and SQL expressions for an INSERT: ours, plus model defaults for other NOT NULL columns."""
    from django.apps import apps

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
        [table],
    ).fetchall()
    names, exprs, params = list(given), list(given.values()), []
    for (name,) in rows:
        if name in given:
            continue
        field = next(f for f in model._meta.concrete_fields if f.column == name)
        names.append(name)
        exprs.append("%s")
        params.append(field.get_default())
    return names, exprs, params


def load(conn) -> None:
    """300,000 clustered hotspots over the district and 200,000 parcels packed around the town."""
    conn.execute("SELECT setseed(0.42)")
    west, south, east, north = DISTRICT
    hotspot_sql = {
        "source": "'VIIRS_SNPP_NRT'",
        "satellite": "'N'",
        "instrument": "'VIIRS'",
        "acquired_at": "timestamptz '2024-01-01 00:00Z' + g * interval '1 minute'",
        "confidence": "(ARRAY['low','nominal','high'])[1 + (mod(g, 3))]",
        "confidence_raw": "(ARRAY['l','n','h'])[1 + (mod(g, 3))]",
        "frp": "round((random() * 60)::numeric, 2)",
        "brightness": "300 + random() * 60",
        "daynight": "(ARRAY['D','N'])[1 + (mod(g, 2))]",
        "lon_key": "round(x * 10000)::int",
        "lat_key": "round(y * 10000)::int",
        "geom": "ST_SetSRID(ST_MakePoint(x, y), 4326)",
    }
    names, exprs, params = _fill_required(conn, "fire_hotspot", hotspot_sql)
    scatter_x, scatter_y = f"{west} + random() * {east - west}", f"{south} + random() * {north - south}"
    # Half the hotspots around 400 fire centres, half scattered: real seasons look like that.
    conn.execute(
        f"INSERT INTO fire_hotspot ({', '.join(names)}) SELECT {', '.join(exprs)} FROM ("
        f"SELECT g, CASE WHEN mod(g, 2) = 0 THEN cx + (random() - 0.5) * 0.03 ELSE {scatter_x} END AS x, "
        f"CASE WHEN mod(g, 2) = 0 THEN cy + (random() - 0.5) * 0.03 ELSE {scatter_y} END AS y "
        f"FROM generate_series(1, {HOTSPOTS}) g JOIN ("
        f"SELECT c, {west} + random() * {east - west} AS cx, {south} + random() * {north - south} AS cy "
        f"FROM generate_series(0, 399) c) centres ON centres.c = mod(g, 400)) s",
        params,
    )
    side = int(np.ceil(np.sqrt(PARCELS)))
    cell = 0.00018  # about 20 m
    x0, y0 = TOWN[0] - side * cell / 2, TOWN[1] - side * cell / 2
    parcel_sql = {
        "map_sheet": "(g / 1000)::text",
        "parcel_number": "g::text",
        "land_use_code": "(ARRAY['ODT','ONT','CLN','DGT','LUK'])[1 + (mod(g, 5))]",
        "area_m2": "300 + random() * 100",
        "address": "'Tổ ' || (mod(g, 40))",
        "holder_name": "'Chủ hộ ' || g",
        "version": "1",
        "updated_at": "now()",
        # A slightly irregular five-vertex parcel inside its grid cell.
        "geom": (
            f"ST_Multi(ST_SetSRID(ST_MakePolygon(ST_MakeLine(ARRAY["
            f"ST_MakePoint(px, py), ST_MakePoint(px + {cell * 0.9}, py + {cell * 0.05}),"
            f"ST_MakePoint(px + {cell * 0.92}, py + {cell * 0.9}), ST_MakePoint(px + {cell * 0.4}, py + {cell * 0.95}),"
            f"ST_MakePoint(px, py)])), 4326))"
        ),
    }
    names, exprs, params = _fill_required(conn, "parcels_parcel", parcel_sql)
    conn.execute(
        f"INSERT INTO parcels_parcel ({', '.join(names)}) SELECT {', '.join(exprs)} FROM ("
        f"SELECT g, {x0} + (mod(g, {side})) * {cell} AS px, {y0} + (g / {side}) * {cell} AS py "
        f"FROM generate_series(0, {PARCELS - 1}) g) s",
        params,
    )
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE fire_hotspot")
    conn.execute("VACUUM ANALYZE parcels_parcel")
    conn.autocommit = False


# ------------------------------------------------------------------------------------------------
# Servers


def wait_http(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    """Poll until the URL answers 200, or fail with the server's output."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stdout.read().decode(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


def start_ours(port: int, workers: int) -> subprocess.Popen:
    """Our app under gunicorn (sync workers) on loopback, DEBUG off."""
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "geoplatform.wsgi:application", "-b", f"127.0.0.1:{port}"]
        + ["-w", str(workers), "--timeout", "300", "--log-level", "warning"],
        cwd=ROOT,
        env=app_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_http(f"http://127.0.0.1:{port}/api/layers/", proc)
    return proc


def ensure_tipg() -> Path:
    """tipg and uvicorn in their own venv (never in the project's requirements)."""
    python = TIPG_VENV / "bin/python"
    if not python.exists():
        log(f"installing tipg into {TIPG_VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "tipg", "uvicorn"], check=True)
    return python


def tipg_version() -> str:
    """The tipg release in its venv."""
    python = TIPG_VENV / "bin/python"
    if not python.exists():
        return "(not installed)"
    done = subprocess.run(
        [str(python), "-c", "import tipg; print(tipg.__version__)"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "(unknown version)"


def migrate_loaded() -> None:
    """Apply migrations added since the scratch database was loaded, and refresh its statistics."""
    log("migrating the kept scratch database")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=app_env(), check=True)
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE fire_hotspot")
        conn.execute("VACUUM ANALYZE parcels_parcel")


def start_tipg(port: int, workers: int, hotspot_fields, parcel_fields, serial: bool) -> subprocess.Popen:
    """tipg under uvicorn over the same two tables, the same public columns and tile buffer.

    ``serial`` gives tipg's connections the same no-parallel-workers planning ours use (asyncpg
    takes unknown DSN parameters as server settings); without it tipg runs with PostgreSQL's defaults.
    """
    python = ensure_tipg()
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}" + ("?max_parallel_workers_per_gather=0" if serial else ""),
        "TIPG_DB_TABLES": json.dumps(["public.fire_hotspot", "public.parcels_parcel"]),
        # Same tile as ours: full content (tipg's default cuts tiles at 10,000 features), same buffer.
        "TIPG_MAX_FEATURES_PER_TILE": "10000000",
        "TIPG_TILE_BUFFER": "64",
        "TIPG_TABLE_CONFIG__public_fire_hotspot__properties": json.dumps(list(hotspot_fields)),
        "TIPG_TABLE_CONFIG__public_parcels_parcel__properties": json.dumps(list(parcel_fields)),
        # The 4326 geometry, as the tables had before any stored web-Mercator copy.
        "TIPG_TABLE_CONFIG__public_fire_hotspot__geomcol": "geom",
        "TIPG_TABLE_CONFIG__public_parcels_parcel__geomcol": "geom",
        "TIPG_DB_MAX_CONN_SIZE": "4",
    }
    proc = subprocess.Popen(
        [str(python), "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1", "--port", str(port)]
        + ["--workers", str(workers), "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_http(f"http://127.0.0.1:{port}/collections", proc)
    return proc


def stop(proc: subprocess.Popen | None) -> None:
    """Stop a server this script started (its own process group only)."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)


# ------------------------------------------------------------------------------------------------
# Workloads


def tiles_with_data(lonlat: np.ndarray, zooms, per_zoom: int, rng: random.Random) -> list[tuple[int, int, int]]:
    """Distinct tiles holding data, up to ``per_zoom`` at each zoom."""
    out = []
    lon, lat = lonlat[:, 0], np.radians(lonlat[:, 1])
    for z in zooms:
        n = 1 << z
        xs = ((lon + 180.0) / 360.0 * n).astype(int)
        ys = ((1.0 - np.arcsinh(np.tan(lat)) / np.pi) / 2.0 * n).astype(int)
        distinct = sorted(set(zip(xs.tolist(), ys.tolist(), strict=True)))
        picked = rng.sample(distinct, min(per_zoom, len(distinct)))
        out.extend((z, x, y) for x, y in picked)
    return out


def fetch(url: str) -> tuple[int, int]:
    """(status, bytes) of one GET."""
    try:
        with urllib.request.urlopen(url, timeout=300) as response:  # noqa: S310 - loopback only
            return response.status, len(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, 0


def run_http(urls: list[str], concurrency: int) -> dict:
    """Fetch every URL with ``concurrency`` clients; wall time, statuses and bytes."""
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(fetch, urls))
    seconds = time.perf_counter() - start
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {"seconds": seconds, "rate": len(urls) / seconds, "statuses": statuses, "bytes": sum(b for _, b in results)}


def run_sql(jobs: list[tuple[str, list]], concurrency: int, *, binary: bool = False) -> dict:
    """Run each (statement, params) with ``concurrency`` psycopg connections; wall time and bytes.

    Tiles are fetched in binary (as our endpoint does), JSON text with client-side binding
    (as Django's cursor does).
    """
    local = threading.local()
    conns = []
    lock = threading.Lock()

    def one(job):
        if not hasattr(local, "conn"):
            factory = psycopg.Cursor if binary else psycopg.ClientCursor
            local.conn = psycopg.connect(f"{PG}/{DB}", autocommit=True, cursor_factory=factory)
            with lock:
                conns.append(local.conn)
        # Exactly what the endpoint runs: the statement in a transaction that plans it serially.
        with local.conn.transaction():
            local.conn.execute(SERIAL)
            row = local.conn.execute(job[0], job[1], binary=binary).fetchone()
        value = row[0]
        return len(value) if value is not None else 0

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        sizes = list(pool.map(one, jobs))
    seconds = time.perf_counter() - start
    for conn in conns:
        conn.close()
    return {"seconds": seconds, "rate": len(jobs) / seconds, "bytes": sum(sizes)}


def run_binary_sql(jobs: list[tuple[str, list]], concurrency: int) -> dict:
    """run_sql with binary results (tiles)."""
    return run_sql(jobs, concurrency, binary=True)


def time_interleaved(workloads: dict, concurrency: int, rounds: int) -> dict:
    """Time each target on the same slices in turn, rotating who goes first.

    The host is shared, so its load drifts; interleaving slices spreads that drift evenly over
    the targets instead of favouring whichever ran in a quiet minute.
    """
    results: dict[str, dict] = {}
    for kind, targets in workloads.items():
        names = list(targets)
        for r in range(rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                runner, items = targets[name]
                chunk = items[r::rounds]
                outcome = runner(chunk, concurrency)
                total = results.setdefault(f"{kind}/{name}", {"seconds": 0.0, "count": 0, "bytes": 0, "statuses": {}})
                total["seconds"] += outcome["seconds"]
                total["count"] += len(chunk)
                total["bytes"] += outcome["bytes"]
                for status, n in outcome.get("statuses", {}).items():
                    total["statuses"][status] = total["statuses"].get(status, 0) + n
            log(f"{kind} round {r + 1}/{rounds} done")
    for key, value in results.items():
        log(f"{key}: {json.dumps(value)}")
    return results


def mvt_count(data: bytes, layer: str) -> int:
    """Features in a decoded tile layer."""
    import mapbox_vector_tile

    decoded = mapbox_vector_tile.decode(data)
    return sum(len(v["features"]) for v in decoded.values()) if decoded else 0


def main() -> None:
    """Load, serve, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep the scratch database if already loaded")
    parser.add_argument("--tiles-per-zoom", type=int, default=125)
    parser.add_argument("--pages", type=int, default=60, help="GeoJSON pages per layer")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="slices the runs are interleaved in")
    # As many server processes as clients, so each side may run as many queries at once as the bare SQL.
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--tipg-serial", action="store_true", help="give tipg the same no-parallel-workers setting as ours"
    )
    args = parser.parse_args()

    os.environ.update({k: v for k, v in app_env().items() if k.startswith(("DATABASE", "GEOPLATFORM", "DJANGO"))})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoplatform.settings")
    sys.path.insert(0, str(ROOT))
    import django

    loaded = False
    if args.reuse:
        try:
            with psycopg.connect(f"{PG}/{DB}") as conn:
                loaded = conn.execute("SELECT count(*) FROM fire_hotspot").fetchone()[0] >= HOTSPOTS
        except psycopg.OperationalError:
            loaded = False
    if not loaded:
        create_database()
    else:
        migrate_loaded()
    django.setup()
    from django.contrib.auth.models import AnonymousUser

    from layers.api import columns, mvt, params, sql
    from layers.registry import registry

    if not loaded:
        log("loading 300,000 hotspots and 200,000 parcels")
        with psycopg.connect(f"{PG}/{DB}") as conn:
            load(conn)
    anonymous = AnonymousUser()
    rng = random.Random(SEED)
    with psycopg.connect(f"{PG}/{DB}") as conn:
        points = np.array(conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM fire_hotspot").fetchall())
        centres = np.array(
            conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(geom) c FROM parcels_parcel) s").fetchall()
        )
    # Parcels are drawn from z13 (their layer's min zoom); hotspots over z10-z17.
    tiles = [("fire-hotspots", *t) for t in tiles_with_data(points, range(10, 18), args.tiles_per_zoom, rng)]
    tiles += [("parcels", *t) for t in tiles_with_data(centres, range(13, 18), args.tiles_per_zoom, rng)]
    rng.shuffle(tiles)
    log(f"{len(tiles)} tiles chosen")

    # GeoJSON pages of 1,000 features: bboxes around data, first pages.
    pages = []
    for slug, data, half in (("fire-hotspots", points, 0.03), ("parcels", centres, 0.004)):
        for _ in range(args.pages):
            x, y = data[rng.randrange(len(data))]
            pages.append((slug, (round(x - half, 5), round(y - half, 5), round(x + half, 5), round(y + half, 5))))

    # The bare SQL: the very statements our endpoint runs, through psycopg.
    def tile_job(slug, z, x, y):
        layer = registry.get(slug)
        cols = mvt.tile_columns(layer, anonymous)
        return mvt.tile_sql(layer, cols, z), [z, x, y, *mvt.tile_box(layer, z, x, y), slug]

    def page_job(slug, bbox):
        layer = registry.get(slug)
        query = params.FeatureQuery(bbox=bbox, limit=1000)
        clause, args_ = sql.where(layer, query)
        cols = columns.visible(layer, anonymous)
        statement = (
            "SELECT json_build_object('type', 'FeatureCollection', "
            f"'numberMatched', (SELECT count(*) FROM {sql.table(layer)} t WHERE {clause}), "
            "'numberReturned', count(*), 'features', coalesce(json_agg(f.feature), '[]'::json))::text FROM ("
            f"SELECT {sql.feature_sql(layer, cols)} AS feature FROM {sql.table(layer)} t WHERE {clause} "
            f"ORDER BY {sql.order_by(layer, query)} LIMIT 1000) f"
        )
        return statement, [*args_, *args_]

    public = {
        slug: [c.name for c in columns.visible(registry.get(slug), anonymous)] for slug in ("fire-hotspots", "parcels")
    }
    # What our tiles carry for an anonymous reader; tipg's tiles are asked for the same.
    tile_props = {
        slug: ",".join(c.name for c in mvt.tile_columns(registry.get(slug), anonymous))
        for slug in ("fire-hotspots", "parcels")
    }
    log(f"tile attributes: {tile_props}")
    ours_port, tipg_port = free_port(), free_port()
    ours = tipg = None
    tipg_error = None
    try:
        log("starting gunicorn")
        ours = start_ours(ours_port, args.workers)
        try:
            log("starting tipg under uvicorn")
            tipg = start_tipg(tipg_port, args.workers, public["fire-hotspots"], public["parcels"], args.tipg_serial)
        except Exception as exc:  # report why tipg could not run instead of losing the other figures
            tipg_error = str(exc)[-500:]
            log(f"tipg could not run: {tipg_error}")
        base = f"http://127.0.0.1:{ours_port}"
        tbase = f"http://127.0.0.1:{tipg_port}"
        table_of = {"fire-hotspots": "public.fire_hotspot", "parcels": "public.parcels_parcel"}
        our_tiles = [f"{base}/tiles/{s}/{z}/{x}/{y}.pbf" for s, z, x, y in tiles]
        tipg_tiles = [
            f"{tbase}/collections/{table_of[s]}/tiles/WebMercatorQuad/{z}/{x}/{y}?properties={tile_props[s]}"
            for s, z, x, y in tiles
        ]
        sql_tiles = [tile_job(*t) for t in tiles]
        our_pages = [f"{base}/api/layers/{s}/features/?bbox={','.join(map(str, b))}&limit=1000" for s, b in pages]
        tipg_pages = [
            f"{tbase}/collections/{table_of[s]}/items?bbox={','.join(map(str, b))}&limit=1000&f=geojson"
            for s, b in pages
        ]
        sql_pages = [page_job(*p) for p in pages]

        # Same content check on a few tiles and pages before timing anything.
        for i in range(0, len(tiles), max(1, len(tiles) // 12)):
            with urllib.request.urlopen(our_tiles[i]) as r:  # noqa: S310 - loopback only
                mine = mvt_count(r.read(), tiles[i][0]) if r.status == 200 else 0
            theirs = None
            if tipg:
                with urllib.request.urlopen(tipg_tiles[i]) as r:  # noqa: S310 - loopback only
                    theirs = mvt_count(r.read(), tiles[i][0])
            log(f"check tile {tiles[i]}: ours {mine} features, tipg {theirs}")
        with urllib.request.urlopen(our_pages[0]) as r:  # noqa: S310 - loopback only
            page = json.loads(r.read())
        log(f"check page: ours returned {page['numberReturned']} of {page['numberMatched']}")
        if tipg:
            with urllib.request.urlopen(tipg_pages[0]) as r:  # noqa: S310 - loopback only
                tpage = json.loads(r.read())
            log(f"check page: tipg returned {tpage.get('numberReturned')} of {tpage.get('numberMatched')}")

        # Warm every path (PostgreSQL cache, worker imports) with a slice.
        run_http(our_tiles[:40], args.concurrency)
        run_sql(sql_tiles[:40], args.concurrency, binary=True)
        run_http(our_pages[:10], args.concurrency)
        run_sql(sql_pages[:10], args.concurrency)
        if tipg:
            run_http(tipg_tiles[:40], args.concurrency)
            run_http(tipg_pages[:10], args.concurrency)
        workloads = {
            "tiles": {"sql": (run_binary_sql, sql_tiles), "ours": (run_http, our_tiles)},
            "pages": {"sql": (run_sql, sql_pages), "ours": (run_http, our_pages)},
        }
        if tipg:
            workloads["tiles"]["tipg"] = (run_http, tipg_tiles)
            workloads["pages"]["tipg"] = (run_http, tipg_pages)
        results = time_interleaved(workloads, args.concurrency, args.rounds)
    finally:
        stop(ours)
        stop(tipg)

    def rate(key):
        return results[key]["count"] / results[key]["seconds"] if key in results else None

    def fmt(value, digits=1):
        return "n/a" if value is None else f"{value:.{digits}f}"

    print(f"\n{len(tiles)} tiles (hotspots z10-z17, parcels z13-z17), {len(pages)} GeoJSON pages of up to 1,000")
    print(f"features; {args.concurrency} concurrent clients; {args.workers} gunicorn / uvicorn workers; 2-core host.")
    peer = "max_parallel_workers_per_gather=0, as ours" if args.tipg_serial else "PostgreSQL's default planner settings"
    print(f"tipg {tipg_version()} with {peer}; same tile attributes as ours: {tile_props}.\n")
    print("| workload | ours /s | bare SQL /s | tipg /s | ours / SQL | ours / tipg |")
    print("| --- | --- | --- | --- | --- | --- |")
    for kind, name in (("tiles", "vector tiles (uncached)"), ("pages", "GeoJSON pages (1k features)")):
        ours_rate, sql_rate, tipg_rate = rate(f"{kind}/ours"), rate(f"{kind}/sql"), rate(f"{kind}/tipg")
        print(
            f"| {name} | {fmt(ours_rate)} | {fmt(sql_rate)} | {fmt(tipg_rate)} | "
            f"{fmt(ours_rate / sql_rate, 2)} | {fmt(ours_rate / tipg_rate if tipg_rate else None, 2)} |"
        )
    for key, value in results.items():
        if value["statuses"]:
            print(f"\n{key}: statuses {value['statuses']}, {value['bytes'] / 1e6:.1f} MB", end="")
    print()
    if tipg_error:
        print(f"\ntipg could not run: {tipg_error}")


if __name__ == "__main__":
    main()
