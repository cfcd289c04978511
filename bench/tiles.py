"""Vector tiles and GeoJSON pages: our endpoints vs the same SQL vs tipg (both modes), in one run.

Loads 300,000 hotspots and 200,000 parcels into a scratch database (``bench_tiles``, never the
dev database), serves it with our app under uWSGI as deployed (deploy/uwsgi.ini: 2 processes x 2
threads) and with tipg 1.6.1 under uvicorn (4 workers; its own venv, bench/requirements-tipg.txt),
then times the same ~1,000 tiles at z10-z17 and the same GeoJSON pages of 1,000 features through each peer:

- the bare SQL replays, on pooled connections opened and warmed once, the very statements the
  endpoint ran for each URL: captured in-process from the endpoint (every psycopg execute, with
  its parameters, cursor kind, binary flag and transaction), never rewritten; its results are
  gzip-compressed as the endpoint's are on the wire;
- tipg runs twice, with PostgreSQL's default planner settings (parallel workers allowed) and with
  ``max_parallel_workers_per_gather=0`` as ours; both are reported and the ratio is taken
  against the faster of the two;
- every response of every peer is checked, in the check pass and again in the timed passes
  (status and body digest); the check pass compares tile contents (our bytes equal the replayed
  SQL's; each peer's feature count equals a PostGIS count of the rows its tile must hold; our
  grid clusters add up to the rows they stand for) and page counts. Any error fails the run;
- all requests send ``Accept-Encoding: gzip``: sizes and times are as a client receives them.

Then the warm tile cache (a second uWSGI with the Redis tile cache on): tiles/s of cache hits
and of 304 revalidations.

    nice -n 10 .venv/bin/python bench/tiles.py            # everything (about 10 minutes on 2 cores)
    nice -n 10 .venv/bin/python bench/tiles.py --reuse    # keep an already loaded scratch database

Environment: BENCH_PG (server URL, default postgresql://postgres@127.0.0.1:5432), BENCH_DB
(default bench_tiles), BENCH_REDIS (tile cache of the cached run, default redis db 10),
BENCH_TIPG_VENV (default /tmp/tipg-venv; created from bench/requirements-tipg.txt if missing).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import queue
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import webserver  # noqa: E402 - bench/ is not a package

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "bench_tiles")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/10")
TIPG_VENV = Path(os.environ.get("BENCH_TIPG_VENV", "/tmp/tipg-venv"))
TIPG_VERSION = "1.6.1"
HOTSPOTS, PARCELS = 300_000, 200_000
DISTRICT = (107.95, 15.10, 108.40, 15.45)
TOWN = (108.23, 15.35)
SEED = 20241123
if not DB.startswith("bench_"):
    raise SystemExit("BENCH_DB must name a scratch database (bench_*): this script drops and recreates it")


class BenchFailure(RuntimeError):
    """A peer answered wrongly or with an error: the run has no figures."""


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
    """Environment for manage.py and the web server against the scratch database."""
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
        # As geoplatform/wsgi.py sets it for the web server: the in-process capture runs what the web workers run.
        "GEOPLATFORM_SESSION_READ_PLANNING": "1",
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
    # No row triggers in this scratch load (parcel edit history, foreign-key checks): a bulk load
    # is no person's edit, and history rows would only slow the load, never the tiles.
    conn.execute("SET session_replication_role = replica")
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


def start_ours(port: int, cache: bool) -> subprocess.Popen:
    """Our app under uWSGI as deployed (deploy/uwsgi.ini) on loopback, DEBUG off, the tile cache on or off."""
    env = {**app_env(), "GEOPLATFORM_TILE_CACHE_URL": REDIS if cache else ""}
    proc = subprocess.Popen(
        webserver.command("127.0.0.1", port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_http(f"http://127.0.0.1:{port}/api/layers/", proc)
    return proc


def ensure_tipg() -> Path:
    """tipg, pinned, in its own venv (never in the project's requirements)."""
    python = TIPG_VENV / "bin/python"
    if not python.exists():
        log(f"installing tipg into {TIPG_VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        requirements = ROOT / "bench/requirements-tipg.txt"
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True)
    version = tipg_version()
    if version != TIPG_VERSION:
        raise BenchFailure(f"tipg {version} in {TIPG_VENV}, the bench is pinned to {TIPG_VERSION}")
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
        # Full content (tipg's default cuts tiles at 10,000 features), the same buffer as ours.
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
# Capturing the endpoint's statements, and replaying them on pooled warm connections


def capture(client, url: str) -> tuple[object, list[dict]]:
    """GET the URL in-process; the response and every statement the endpoint sent to PostgreSQL."""
    recorded: list[dict] = []
    original = psycopg.Cursor.execute

    def spy(self, query, params=None, *, prepare=None, binary=None):
        text = query if isinstance(query, str) else query.as_string(self.connection)
        recorded.append(
            {
                "client_side": isinstance(self, psycopg.ClientCursor),
                "query": text,
                "params": dict(params) if isinstance(params, dict) else (list(params) if params is not None else None),
                "binary": bool(binary),
                "in_tx": not self.connection.autocommit,
            }
        )
        return original(self, query, params, prepare=prepare, binary=binary)

    psycopg.Cursor.execute = spy
    try:
        response = client.get(url, HTTP_HOST="127.0.0.1")
    finally:
        psycopg.Cursor.execute = original
    return response, recorded


def replay_connection() -> psycopg.Connection:
    """A connection set up as the web workers' are: UTC, their session settings, no server-side prepares.

    The web process opens its connections with the planner settings of pages and tiles (no parallel
    workers, no JIT, 32 MB of work_mem: ``settings.READ_PLANNING``) instead of setting them in each
    request's transaction; the replay's connections get the very same ``options`` string.

    Django opens psycopg connections with ``prepare_threshold=None``; psycopg's default (prepare a
    query after 5 runs) would let PostgreSQL switch the replayed tile statements to a generic
    plan, which is another plan than the endpoint's (rows in another order, other bytes, other
    time): the replay must run the statements as the endpoint runs them.
    """
    from django.conf import settings

    if not settings.SESSION_READ_PLANNING:
        raise BenchFailure("the capture must run with the web process's settings (GEOPLATFORM_SESSION_READ_PLANNING)")
    options = "-c timezone=UTC " + settings.DATABASES["default"]["OPTIONS"].get("options", "")
    return psycopg.connect(f"{PG}/{DB}", autocommit=True, options=options.strip(), prepare_threshold=None)


class Pool:
    """Connections opened once and kept warm, handed to one client thread at a time."""

    def __init__(self, size: int):
        # The session settings the web workers' connections have, so replayed statements mean and cost the same.
        self.conns = [replay_connection() for _ in range(size)]
        self.free: queue.Queue = queue.Queue()
        for conn in self.conns:
            self.free.put(conn)

    def close(self) -> None:
        """Close every connection."""
        for conn in self.conns:
            conn.close()


def _execute(conn, statement: dict):
    factory = psycopg.ClientCursor if statement["client_side"] else psycopg.Cursor
    with factory(conn) as cursor:
        cursor.execute(statement["query"], statement["params"], binary=statement["binary"])
        return cursor.fetchone() if cursor.description else None


def replay(conn, statements: list[dict]) -> list:
    """Run the captured statements in order, in a transaction where the endpoint had one; every row."""
    rows, i = [], 0
    while i < len(statements):
        if statements[i]["in_tx"]:
            j = i
            while j < len(statements) and statements[j]["in_tx"]:
                j += 1
            with conn.transaction():
                rows += [_execute(conn, statement) for statement in statements[i:j]]
            i = j
        else:
            rows.append(_execute(conn, statements[i]))
            i += 1
    return rows


def payload(rows: list, kinds: tuple = (bytes, bytearray, memoryview)) -> bytes:
    """The body-making value of a replay: the largest bytes (a tile) or text (a page) any statement returned."""
    values = [v for row in rows for v in (row or ()) if isinstance(v, kinds)]
    if not values:
        return b""
    value = max(values, key=len)
    return value.encode() if isinstance(value, str) else bytes(value)


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


def digest(data: bytes) -> str:
    """A short digest of a body."""
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def get(url: str, headers: dict | None = None) -> tuple[int, bytes, dict, float]:
    """(status, raw body, headers, seconds) of one GET that accepts gzip."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", **(headers or {})})  # noqa: S310
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 - loopback only
            body = response.read()
            return response.status, body, _lower(response.headers), time.perf_counter() - start
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), _lower(exc.headers), time.perf_counter() - start


def _lower(headers) -> dict:
    # Header names are case-insensitive; uvicorn sends them in lower case, uWSGI as the app wrote them.
    return {name.lower(): value for name, value in headers.items()}


def content(body: bytes, headers: dict) -> bytes:
    """The body as the client reads it (gzip undone)."""
    encoding = headers.get("content-encoding") or headers.get("Content-Encoding")
    return gzip.decompress(body) if encoding == "gzip" and body else body


class Expect:
    """What each URL of a peer answered in the check pass: any later answer must be the same."""

    def __init__(self):
        self.raw: dict[str, set[str]] = {}
        self.content: dict[str, str] = {}
        self.status: dict[str, int] = {}
        self.late: list[tuple[str, bytes, dict]] = []

    def learn(self, url: str, status: int, body: bytes, headers: dict) -> bytes:
        """Record a check-pass answer; the decoded body."""
        if status not in (200, 204):
            raise BenchFailure(f"{url}: status {status}: {body[:300]!r}")
        data = content(body, headers)
        self.status[url] = status
        self.raw.setdefault(url, set()).add(digest(body))
        self.content[url] = digest(data)
        return data

    def check(self, url: str, status: int, body: bytes, headers: dict) -> None:
        """A timed answer: same status, same body (compared after the run when the bytes differ)."""
        if status != self.status[url]:
            raise BenchFailure(f"{url}: status {status}, {self.status[url]} in the check pass: {body[:300]!r}")
        if digest(body) not in self.raw[url]:
            self.late.append((url, body, headers))

    def settle(self) -> None:
        """Compare the answers whose bytes differed (gzip with random padding) by their content."""
        for url, body, headers in self.late:
            if digest(content(body, headers)) != self.content[url]:
                raise BenchFailure(f"{url}: a timed answer differs from the checked one")
        self.late.clear()


def run_http(urls: list[str], concurrency: int, expect: Expect, headers: dict | None = None) -> dict:
    """Fetch every URL with ``concurrency`` clients; wall time, latencies, bytes; every answer checked."""

    def one(url):
        status, body, got, seconds = get(url, headers)
        expect.check(url, status, body, got)
        return seconds, len(body)

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, urls))
    return {
        "seconds": time.perf_counter() - start,
        "latencies": [r[0] for r in results],
        "bytes": sum(r[1] for r in results),
    }


def run_sql(pool: Pool, jobs: list[tuple[list[dict], int, str, tuple]], concurrency: int) -> dict:
    """Replay each URL's statements on the pool; the result gzip-compressed as the endpoint sends it."""

    def one(job):
        statements, level, expected, kinds = job
        conn = pool.free.get()
        try:
            start = time.perf_counter()
            data = payload(replay(conn, statements), kinds)
            body = gzip.compress(data, compresslevel=level, mtime=0) if data else b""
            seconds = time.perf_counter() - start
        finally:
            pool.free.put(conn)
        if expected and digest(data) != expected:
            raise BenchFailure("a replayed statement returned other bytes than the endpoint")
        return seconds, len(body)

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as executor:
        results = list(executor.map(one, jobs))
    return {
        "seconds": time.perf_counter() - start,
        "latencies": [r[0] for r in results],
        "bytes": sum(r[1] for r in results),
    }


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> list[tuple[int, int, str, float]]:
    """(pid, parent pid, command name, CPU seconds) of every process, from /proc.

    The CPU seconds are user + system time plus that of the process's reaped children, so a
    PostgreSQL backend or parallel worker that exits mid-slice is still counted (in the postmaster).
    """
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue  # gone meanwhile
        fields = tail.split()
        ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        out.append((int(entry.name), int(fields[1]), head.split("(", 1)[1], ticks / CLOCK_TICKS))
    return out


class CpuMeter:
    """CPU seconds each side burns: a server's processes, PostgreSQL's, and this load generator's.

    Read before and after each timed slice, so the bench says where a tile's cost goes (the host is
    CPU-bound: throughput is two cores divided by the CPU a tile takes), not only how fast it went.
    """

    def __init__(self, servers: dict[str, subprocess.Popen]):
        self.servers = servers
        self.own = 0.0  # CPU seconds this meter spent reading /proc: not the load generator's work

    def read(self, name: str) -> tuple[float, float, float]:
        """(server, PostgreSQL, load generator) CPU seconds so far; no server for the bare SQL."""
        start = os.times()
        table = _processes()
        children: dict[int, list[int]] = {}
        for pid, parent, _, _ in table:
            children.setdefault(parent, []).append(pid)
        tree, todo = set(), [self.servers[name].pid] if name in self.servers else []
        while todo:
            pid = todo.pop()
            tree.add(pid)
            todo += children.get(pid, [])
        end = os.times()
        self.own += (end.user + end.system) - (start.user + start.system)
        return (
            sum(cpu for pid, _, _, cpu in table if pid in tree),
            sum(cpu for _, _, command, cpu in table if command == "postgres"),
            end.user + end.system - self.own,
        )


def time_interleaved(workloads: dict, concurrency: int, rounds: int, meter: CpuMeter) -> dict:
    """Time each target on the same slices in turn, rotating who goes first; the CPU each side burnt.

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
                before = meter.read(name)
                outcome = runner(chunk, concurrency)
                after = meter.read(name)
                total = results.setdefault(
                    f"{kind}/{name}", {"seconds": 0.0, "count": 0, "bytes": 0, "latencies": [], "cpu": [0.0] * 3}
                )
                total["cpu"] = [t + b - a for t, a, b in zip(total["cpu"], before, after, strict=True)]
                total["seconds"] += outcome["seconds"]
                total["count"] += len(chunk)
                total["bytes"] += outcome["bytes"]
                total["latencies"] += outcome["latencies"]
            log(f"{kind} round {r + 1}/{rounds} done")
    return results


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile in milliseconds."""
    return float(np.percentile(values, q)) * 1000 if values else float("nan")


def decoded_features(data: bytes) -> list[dict]:
    """Every feature of every layer of a tile."""
    import mapbox_vector_tile

    if not data:
        return []
    return [f for layer in mapbox_vector_tile.decode(data).values() for f in layer["features"]]


def reference_counts(conn, layer, z: int, x: int, y: int) -> dict:
    """PostGIS counts of the rows each peer's tile must hold.

    tipg: rows intersecting the tile itself (its filter; the buffer only draws their edges).

    Ours picks rows by ``&&`` against a lon/lat box (float4 bounding boxes, a hair wider than the
    exact box), so a point a hair outside the box is picked and then kept or dropped by
    ``ST_AsMVTGeom``'s rounding. The counts apply the same pick and the same clip, so they are
    exact instead of off by one on such tiles:

    - detail: rows picked against the tile grown by the buffer whose geometry survives
      ``ST_AsMVTGeom`` with the tile's envelope, extent and buffer (and, for shapes, the same
      simplification by zoom);
    - clusters: rows picked against the tile grown by one grid cell, summed over the grid cells
      (16 x 16 per tile, cells counted from the tile's corner) whose cluster point (the mean of
      the cell's centres, to a centimetre) survives ``ST_AsMVTGeom`` with a one-cell buffer.
    """
    from layers.api import mvt, tilemath

    tile_box = tilemath.tile_bounds_lonlat(z, x, y, margin=0)
    buffered = tilemath.tile_bounds_lonlat(z, x, y)
    grown = tilemath.tile_bounds_lonlat(z, x, y, margin=1 / mvt.GRID)
    minx, _, maxx, maxy = tilemath.tile_bounds_mercator(z, x, y)
    cell = (maxx - minx) / mvt.GRID
    table = layer.model_class._meta.db_table
    merc = layer.mercator_column or "ST_Transform(geom, 3857)"
    centre = f"ST_Centroid({merc})"
    if layer.geometry_type not in mvt.POINT_TYPES:
        merc = f"ST_Simplify({merc}, {tilemath.simplify_tolerance(z)!r}, true)"
    envelope = "ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
    tile = "ST_TileEnvelope(%s, %s, %s)"
    row = conn.execute(
        f"SELECT count(*) FILTER (WHERE ST_Intersects(geom, {envelope})), "  # noqa: S608 - bench tables
        f"count(*) FILTER (WHERE ST_AsMVTGeom({merc}, {tile}, {tilemath.EXTENT}, {tilemath.BUFFER}, true) "
        f"IS NOT NULL) FROM {table} WHERE geom && {envelope}",
        [*tile_box, z, x, y, *buffered],
    ).fetchone()
    clusters = conn.execute(
        f"WITH c AS (SELECT {centre} AS c FROM {table} WHERE geom && {envelope}), "  # noqa: S608
        "cells AS (SELECT count(*) AS n, ST_SetSRID(ST_MakePoint(round(avg(ST_X(c))::numeric, 2), "
        "round(avg(ST_Y(c))::numeric, 2)), 3857) AS g FROM c "
        "GROUP BY floor((ST_X(c) - %s) / %s), floor((%s - ST_Y(c)) / %s)) "
        f"SELECT coalesce(sum(n), 0) FROM cells "
        f"WHERE ST_AsMVTGeom(g, {tile}, {tilemath.EXTENT}, {tilemath.EXTENT // mvt.GRID}, true) IS NOT NULL",
        [*grown, minx, cell, maxy, cell, z, x, y],
    ).fetchone()
    return {"tipg": row[0], "detail": row[1], "clusters": int(clusters[0])}


def describe_difference(ours: bytes, other: bytes) -> str:
    """What differs between two tiles, for a failure message: sizes, features, ids, order."""
    a, b = decoded_features(ours), decoded_features(other)
    ids_a, ids_b = [f.get("id") for f in a], [f.get("id") for f in b]
    text = f"{len(ours)} vs {len(other)} bytes, {len(a)} vs {len(b)} features"
    if sorted(map(str, ids_a)) != sorted(map(str, ids_b)):
        only_a, only_b = sorted(set(ids_a) - set(ids_b))[:5], sorted(set(ids_b) - set(ids_a))[:5]
        return text + f", ids only in ours {only_a}, only in the other {only_b}"
    by_id = {f.get("id"): f for f in b}
    changed = [f.get("id") for f in a if f != by_id.get(f.get("id"))]
    if changed:
        return text + f", same ids, {len(changed)} features differ, e.g. {changed[:3]}"
    return text + (", same features in another order" if ids_a != ids_b else ", same decoded features")


def check_tiles(tiles, urls: dict, expects: dict, captured: dict, conn) -> dict:
    """Fetch every tile from every peer once and check it; raises BenchFailure on any difference."""
    from layers.registry import registry

    sizes = {name: [] for name in urls}
    aggregated = 0
    for i, (slug, z, x, y) in enumerate(tiles):
        refs = reference_counts(conn, registry.get(slug), z, x, y)
        ours_data = None
        for name, peer_urls in urls.items():
            url = peer_urls[i]
            status, body, headers, _ = get(url)
            data = expects[name].learn(url, status, body, headers)
            sizes[name].append(len(data))
            features = decoded_features(data)
            if name.startswith("ours"):
                if digest(data) != captured[i][1]:
                    raise BenchFailure(f"{url}: differs from the same request in-process")
                ours_data = data
                if headers.get("x-tile-aggregated") == "1":
                    total = sum(f["properties"]["point_count"] for f in features)
                    if total != refs["clusters"]:
                        raise BenchFailure(f"{url}: clusters count {total}, PostGIS {refs['clusters']}")
                elif len(features) != refs["detail"]:
                    raise BenchFailure(f"{url}: {len(features)} features, PostGIS {refs['detail']}")
            elif len(features) != refs["tipg"]:
                raise BenchFailure(f"{url}: {len(features)} features, PostGIS {refs['tipg']}")
        aggregated += bool(ours_data) and (b"point_count" in ours_data)
        if i % 200 == 0:
            log(f"checked {i}/{len(tiles)} tiles")
    return {"sizes": sizes, "aggregated": aggregated}


def check_pages(pages, urls: dict, expects: dict, captured: dict) -> None:
    """Fetch every page from every peer once; the same number of features everywhere."""
    for i in range(len(pages)):
        returned = {}
        for name, peer_urls in urls.items():
            url = peer_urls[i]
            status, body, headers, _ = get(url)
            data = json.loads(expects[name].learn(url, status, body, headers))
            returned[name] = len(data["features"])
        returned["sql"] = captured[i][2]
        if len(set(returned.values())) != 1:
            raise BenchFailure(f"page {pages[i]}: features returned differ: {returned}")


def main() -> None:  # noqa: C901 - one run, in order
    """Load, serve, check, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep the scratch database if already loaded")
    parser.add_argument("--tiles-per-zoom", type=int, default=125)
    parser.add_argument("--pages", type=int, default=60, help="GeoJSON pages per layer")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="slices the runs are interleaved in")
    # tipg's uvicorn workers: as many as clients, so it may run as many queries at once as the bare SQL
    # (ours takes four at once too: deploy/uwsgi.ini's 2 processes x 2 threads).
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    os.environ.update({k: v for k, v in app_env().items() if k.startswith(("DATABASE", "GEOPLATFORM", "DJANGO"))})
    os.environ["GEOPLATFORM_TILE_CACHE_URL"] = ""  # capturing must reach the database every time
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoplatform.settings")
    sys.path.insert(0, str(ROOT))
    import django

    loaded = False
    if args.reuse:
        try:
            with psycopg.connect(f"{PG}/{DB}") as conn:
                loaded = conn.execute("SELECT count(*) FROM fire_hotspot").fetchone()[0] >= HOTSPOTS
        except psycopg.Error:
            loaded = False
    if not loaded:
        create_database()
    else:
        migrate_loaded()
    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client

    from layers.api import columns, mvt
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
        versions = conn.execute("SELECT version(), postgis_lib_version()").fetchone()
    # Parcels are drawn from z13 (their layer's min zoom); hotspots over z10-z17.
    tiles = [("fire-hotspots", *t) for t in tiles_with_data(points, range(10, 18), args.tiles_per_zoom, rng)]
    tiles += [("parcels", *t) for t in tiles_with_data(centres, range(13, 18), args.tiles_per_zoom, rng)]
    rng.shuffle(tiles)
    log(f"{len(tiles)} tiles chosen")
    pages = []
    for slug, data, half in (("fire-hotspots", points, 0.03), ("parcels", centres, 0.004)):
        for _ in range(args.pages):
            x, y = data[rng.randrange(len(data))]
            pages.append((slug, (round(x - half, 5), round(y - half, 5), round(x + half, 5), round(y + half, 5))))

    public = {
        slug: [c.name for c in columns.visible(registry.get(slug), anonymous)] for slug in ("fire-hotspots", "parcels")
    }
    tile_props = {
        slug: ",".join(c.name for c in mvt.tile_columns(registry.get(slug), anonymous))
        for slug in ("fire-hotspots", "parcels")
    }
    table_of = {"fire-hotspots": "public.fire_hotspot", "parcels": "public.parcels_parcel"}
    tile_paths = [f"/tiles/{s}/{z}/{x}/{y}.pbf" for s, z, x, y in tiles]
    page_paths = [f"/api/layers/{s}/features/?bbox={','.join(map(str, b))}&limit=1000" for s, b in pages]

    # The statements the endpoint runs for each URL, captured in-process (tile cache off).
    log("capturing the endpoint's statements")
    client = Client()
    captured_tiles, captured_pages = [], []
    with replay_connection() as conn:
        for path in tile_paths:
            response, statements = capture(client, path)
            if response.status_code not in (200, 204):
                raise BenchFailure(f"{path}: {response.status_code} in-process")
            body = content(response.content, response)
            replayed = payload(replay(conn, statements))
            if digest(replayed) != digest(body):
                raise BenchFailure(
                    f"{path} (#{len(captured_tiles)}): the replayed statements give other bytes than the endpoint "
                    f"({describe_difference(body, replayed)})"
                )
            captured_tiles.append((statements, digest(body)))
        for path in page_paths:
            response, statements = capture(client, path)
            if response.status_code != 200:
                raise BenchFailure(f"{path}: {response.status_code} in-process")
            page = json.loads(content(response.content, response))
            text = payload(replay(conn, statements), (str,))
            replayed = json.loads(text)
            count = len(replayed["features"]) if isinstance(replayed, dict) else len(replayed)
            captured_pages.append((statements, digest(text), count))
            if count != len(page["features"]):
                raise BenchFailure(f"{path}: the replayed statements give {count} features, the endpoint {page}")
    kinds = {len(s) for s, _ in captured_tiles}
    log(f"captured: {kinds} statements per tile, {sorted({len(s) for s, _, _ in captured_pages})} per page")

    ports = {name: free_port() for name in ("ours", "cached", "tipg-parallel", "tipg-serial")}
    servers = {}
    pool = Pool(args.concurrency)
    try:
        log("starting uWSGI (cache off and cache on) and tipg (parallel workers on and off)")
        servers["ours"] = start_ours(ports["ours"], cache=False)
        servers["cached"] = start_ours(ports["cached"], cache=True)
        servers["tipg-parallel"] = start_tipg(
            ports["tipg-parallel"], args.workers, public["fire-hotspots"], public["parcels"], serial=False
        )
        servers["tipg-serial"] = start_tipg(
            ports["tipg-serial"], args.workers, public["fire-hotspots"], public["parcels"], serial=True
        )

        def base(name):
            return f"http://127.0.0.1:{ports[name]}"

        tile_urls = {"ours": [base("ours") + p for p in tile_paths]}
        page_urls = {"ours": [base("ours") + p for p in page_paths]}
        for mode in ("tipg-parallel", "tipg-serial"):
            tile_urls[mode] = [
                f"{base(mode)}/collections/{table_of[s]}/tiles/WebMercatorQuad/{z}/{x}/{y}?properties={tile_props[s]}"
                for s, z, x, y in tiles
            ]
            page_urls[mode] = [
                f"{base(mode)}/collections/{table_of[s]}/items?bbox={','.join(map(str, b))}&limit=1000&f=geojson"
                for s, b in pages
            ]
        tile_expect = {name: Expect() for name in tile_urls}
        page_expect = {name: Expect() for name in page_urls}
        with psycopg.connect(f"{PG}/{DB}") as conn:
            checked = check_tiles(tiles, tile_urls, tile_expect, captured_tiles, conn)
        check_pages(pages, page_urls, page_expect, captured_pages)
        log(f"every tile and page checked: {checked['aggregated']} of our tiles aggregated")

        # Warm every path (PostgreSQL cache, worker imports, pooled connections) with a slice.
        sql_tiles = [(s, 5, d, (bytes, bytearray, memoryview)) for s, d in captured_tiles]
        sql_pages = [(s, 6, d, (str,)) for s, d, _ in captured_pages]
        for name in tile_urls:
            run_http(tile_urls[name][:40], args.concurrency, tile_expect[name])
            run_http(page_urls[name][:10], args.concurrency, page_expect[name])
        run_sql(pool, sql_tiles[:40], args.concurrency)
        run_sql(pool, sql_pages[:10], args.concurrency)

        def http(name, expect):
            return lambda urls, c: run_http(urls, c, expect[name])

        def sql_runner(urls, c):
            return run_sql(pool, urls, c)

        workloads = {
            "tiles": {"sql": (sql_runner, sql_tiles)}
            | {name: (http(name, tile_expect), tile_urls[name]) for name in tile_urls},
            "pages": {"sql": (sql_runner, sql_pages)}
            | {name: (http(name, page_expect), page_urls[name]) for name in page_urls},
        }
        results = time_interleaved(workloads, args.concurrency, args.rounds, CpuMeter(servers))
        for expect in (*tile_expect.values(), *page_expect.values()):
            expect.settle()

        # The warm tile cache: fill it, then time hits and 304 revalidations.
        cached_urls = [base("cached") + p for p in tile_paths]
        cached_expect = Expect()
        etags = {}
        for url in cached_urls:
            status, body, headers, _ = get(url)
            cached_expect.learn(url, status, body, headers)
            etags[url] = headers.get("etag")
        hits = run_http(cached_urls, args.concurrency, cached_expect)
        with_etag = [u for u in cached_urls if etags[u]]
        three04 = {"seconds": 0.0, "latencies": []}
        for url_slice in (with_etag[i::4] for i in range(4)):
            done = _revalidate(url_slice, etags, args.concurrency)
            three04["seconds"] += done["seconds"]
            three04["latencies"] += done["latencies"]
    finally:
        for proc in servers.values():
            stop(proc)
        pool.close()

    report(args, tiles, pages, results, checked, hits, three04, len(with_etag), tile_props, versions)
    if args.json:
        args.json.write_text(
            json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "latencies"} for k, v in results.items()})
        )


def _revalidate(urls: list[str], etags: dict, concurrency: int) -> dict:
    """GET with If-None-Match: every answer must be 304."""

    def one(url):
        status, body, _, seconds = get(url, {"If-None-Match": etags[url]})
        if status != 304:
            raise BenchFailure(f"{url}: {status} to its own ETag")
        return seconds

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, urls))
    return {"seconds": time.perf_counter() - start, "latencies": latencies}


def report(args, tiles, pages, results, checked, hits, three04, n304, tile_props, versions) -> None:
    """The markdown table of one run."""

    def rate(key):
        return results[key]["count"] / results[key]["seconds"]

    def lat(key, q):
        return percentile(results[key]["latencies"], q)

    print(f"\n{len(tiles)} tiles (hotspots z10-z17, parcels z13-z17), {len(pages)} GeoJSON pages of up to 1,000")
    print(
        f"features; {args.concurrency} concurrent clients; ours: uWSGI, 2 processes x 2 threads (deploy/uwsgi.ini); "
        f"tipg: {args.workers} uvicorn workers; 2-core host"
    )
    print(f"shared with other work. tipg {tipg_version()}; {versions[0].split(',')[0]}, PostGIS {versions[1]}.")
    print(f"Tile attributes: {tile_props}. {checked['aggregated']} of our {len(tiles)} tiles are grid clusters.\n")
    print("| workload | peer | /s | p50 ms | p95 ms | MB received | ours / peer | goal |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    goals = {"tiles": {"sql": "≥ 0.8", "tipg": "≥ 2"}, "pages": {"sql": "≥ 0.77 (within 1.3×)", "tipg": "≥ 2"}}
    for kind, label in (("tiles", "vector tiles (uncached)"), ("pages", "GeoJSON pages (1k features)")):
        ours = rate(f"{kind}/ours")
        fastest_tipg = max(("tipg-parallel", "tipg-serial"), key=lambda m: rate(f"{kind}/{m}"))
        for peer in ("ours", "sql", "tipg-parallel", "tipg-serial"):
            key = f"{kind}/{peer}"
            ratio = goal = ""
            if peer == "sql":
                ratio, goal = f"{ours / rate(key):.2f}", goals[kind]["sql"]
            elif peer == fastest_tipg:
                ratio, goal = f"{ours / rate(key):.2f}", goals[kind]["tipg"] + " (the faster tipg mode)"
            elif peer != "ours":
                ratio = f"({ours / rate(key):.2f})"
            print(
                f"| {label} | {peer} | {rate(key):.1f} | {lat(key, 50):.0f} | {lat(key, 95):.0f} | "
                f"{results[key]['bytes'] / 1e6:.1f} | {ratio} | {goal} |"
            )
    n = len(tiles)
    print(
        f"| vector tiles, warm cache | ours (Redis) | {n / hits['seconds']:.1f} | "
        f"{percentile(hits['latencies'], 50):.0f} | {percentile(hits['latencies'], 95):.0f} | "
        f"{hits['bytes'] / 1e6:.1f} | | |"
    )
    print(
        f"| vector tiles, 304 revalidation | ours (Redis) | {n304 / three04['seconds']:.1f} | "
        f"{percentile(three04['latencies'], 50):.0f} | {percentile(three04['latencies'], 95):.0f} | 0 | | |"
    )
    sizes = checked["sizes"]
    print("\nWhere the CPU went (ms an item, user + system read from /proc around each timed slice; the")
    print("load generator is this process: HTTP client or psycopg, gzip and checks; PostgreSQL is every backend):\n")
    print("| workload | peer | server | PostgreSQL | load generator | sum |")
    print("| --- | --- | --- | --- | --- | --- |")
    for kind in ("tiles", "pages"):
        for peer in ("ours", "sql", "tipg-parallel", "tipg-serial"):
            key = f"{kind}/{peer}"
            server, postgres, client = (1000 * v / results[key]["count"] for v in results[key]["cpu"])
            print(
                f"| {kind} | {peer} | {server:.2f} | {postgres:.2f} | {client:.2f} | {server + postgres + client:.2f} |"
            )
    print(
        f"\nLargest tile (uncompressed): ours {max(sizes['ours']) / 1024:.0f} KB (cap 500 KB), "
        f"tipg {max(sizes['tipg-parallel']) / 1024:.0f} KB."
    )


if __name__ == "__main__":
    try:
        main()
    except BenchFailure as exc:
        print(f"BENCH FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
