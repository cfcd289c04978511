"""The whole-district coverage model fanned out over Celery workers: 1 worker process vs 2.

Creates the scratch database ``bench_coverage`` (never the dev database), loads the synthetic
demo district into it (DEM, towers of every operator and technology, villages), then computes the
same coverage run three ways and checks they agree cell for cell:

1. in one process (``coverage.execute``, sites in threads), the reference;
2. through a real ``celery worker --concurrency 1`` (one part task per site, joined by a chord);
3. the same with ``--concurrency 2``.

Then the same split for a 10x area (``--tenfold``, on by default): a synthetic DEM of ten times the
district's area (its DEM tiled 5 x 2, a new DEM asset in the scratch database) and ten times the
sites (every active tower copied into each of the nine new tiles), computed the same three ways
(``--tenfold workers`` skips the one-process run and checks 2 workers against 1).

Add worker machines the same way: every machine runs ``celery -A geoplatform worker -Q raster``
against the same broker, database and shared DATA_DIR (the part files), and the chord spreads the
sites over all of them. Prints a markdown table. The scratch database is dropped at the end. Any
failed run, a worker that dies or a run that does not finish within ``--timeout`` seconds, and
any raster that differs fails the bench (``BENCH FAILED``, exit status 1).

    nice -n 10 .venv/bin/python bench/coverage_fanout.py

Environment: BENCH_PG (default postgresql://postgres@127.0.0.1:5432), BENCH_DB (default
bench_coverage; must start with ``bench_``), BENCH_REDIS (broker and results, default redis db 11;
flushed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
import rasterio

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "bench_coverage")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/11")
if not DB.startswith("bench_"):
    raise SystemExit("BENCH_DB must name a scratch database (bench_*): this script drops it")
DATA_DIR = Path(tempfile.mkdtemp(prefix="bench-coverage-"))
ENV = {
    **os.environ,
    "DATABASE_URL": f"{PG.replace('postgresql://', 'postgis://')}/{DB}",
    "GEOPLATFORM_ALLOW_DEV_SECRET": "1",
    "GEOPLATFORM_DATA_DIR": str(DATA_DIR),
    "GEOPLATFORM_I_KNOW_THIS_IS_A_DEMO": "1",
    "GEOPLATFORM_CELERY_EAGER": "0",
    "REDIS_URL": REDIS,
    "CELERY_BROKER_URL": REDIS,
    "CELERY_RESULT_BACKEND": REDIS,
    "GEOPLATFORM_TILE_CACHE_URL": "",
    "DJANGO_SETTINGS_MODULE": "geoplatform.settings",
}


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=sys.stderr, flush=True)


def worker(concurrency: int) -> subprocess.Popen:
    """A real Celery worker on the raster queue with ``concurrency`` processes (prefetch 1)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "geoplatform",
            "worker",
            "-Q",
            "raster",
            "--concurrency",
            str(concurrency),
        ]
        + ["--pool", "prefork", "--prefetch-multiplier", "1", "--without-gossip", "--without-mingle"]
        + ["--loglevel", "WARNING", "-n", f"bench{concurrency}@%h"],
        cwd=ROOT,
        env=ENV,
        stdout=(DATA_DIR / f"worker{concurrency}.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return proc


def stop(proc: subprocess.Popen) -> None:
    """Stop a worker this script started (its own process group only)."""
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)


def raster(run) -> dict[str, np.ndarray]:
    """Every best-server raster of a run."""
    out = {}
    for combo, path in sorted(run.outputs.items()):
        with rasterio.open(path) as ds:
            out[combo] = ds.read()
    return out


class BenchFailure(RuntimeError):
    """A run failed, a worker died, or the rasters differ: the bench has no figures."""


def wait_for(run, proc: subprocess.Popen | None, timeout: float):
    """Poll a run until it succeeds; fail on a failed run, a dead worker or the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        run.refresh_from_db()
        if run.status == "succeeded":
            return run
        if run.status == "failed":
            raise BenchFailure(f"run {run.pk} failed: {run.message}")
        if proc is not None and proc.poll() is not None:
            raise BenchFailure(f"the worker exited ({proc.returncode}) during run {run.pk}")
        if time.monotonic() > deadline:
            raise BenchFailure(f"run {run.pk} did not finish within {timeout:.0f} s ({run.progress})")
        time.sleep(0.2)


def split(label: str, given: dict, *, alone: bool, timeout: float) -> tuple[list, int, int]:
    """One process (if ``alone``), 1 worker process, 2: (rows, sites, rasters), rasters checked equal."""
    import redis

    from geoplatform.celery import app
    from layers.telecom import coverage, tasks

    rows, expected, reference_name = [], None, None
    if alone:
        log(f"{label}: in one process")
        start = time.perf_counter()
        reference = coverage.execute(coverage.start(given, enqueue=False).pk)
        seconds = time.perf_counter() - start
        if reference.status != "succeeded":
            raise BenchFailure(f"{label}, one process: {reference.message}")
        expected, reference_name = raster(reference), "the one-process run"
        rows.append(("one process (sites in threads)", seconds, "", None))
    sites = 0
    for concurrency in (1, 2):
        log(f"{label}: Celery, {concurrency} worker process(es)")
        redis.Redis.from_url(REDIS).flushdb()
        proc = worker(concurrency)
        try:
            deadline = time.monotonic() + 60
            while not app.control.ping(timeout=0.5):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise BenchFailure("the worker did not start")
            run = coverage.start(given, enqueue=False)
            sites = len(coverage.parts(run.pk))
            start = time.perf_counter()
            tasks.compute_coverage.delay(run.pk)
            wait_for(run, proc, timeout)
            seconds = time.perf_counter() - start
        finally:
            stop(proc)
        got = raster(run)
        if expected is None:
            expected, reference_name = got, "the 1-worker run"
        elif got.keys() != expected.keys() or any(not np.array_equal(got[k], expected[k]) for k in got):
            raise BenchFailure(f"{label}: the {concurrency}-process run differs from {reference_name}")
        name = f"Celery chord, {concurrency} worker process{'es' if concurrency > 1 else ''}"
        # finish_coverage (the merge) restarts the run's clock: from its start to the end is the merge.
        rows.append((name, seconds, sites, (run.finished_at - run.started_at).total_seconds()))
    return rows, sites, len(expected)


def tenfold() -> dict:
    """A DEM of ten times the district's area (its DEM tiled 5 x 2) and every tower copied into each tile.

    Returns the run parameters that pick the new DEM. Villages and parcels stay where they are (the
    first tile): the per-site work and the merge over the grid grow tenfold, the village part does not.
    """
    import rasterio.transform
    from django.contrib.gis.geos import Point

    from layers.telecom import terrain
    from layers.telecom.models import CellTower
    from rasterstore.models import RasterAsset

    asset = terrain.dem_asset()
    with rasterio.open(asset.path) as src:
        data, profile = src.read(1), src.profile
        west, north = src.transform.c, src.transform.f
        width_deg, height_deg = src.width * src.transform.a, -src.height * src.transform.e
    big = np.tile(data, (2, 5))
    path = DATA_DIR / "dem_tenfold.tif"
    transform = rasterio.transform.from_origin(west, north, profile["transform"].a, -profile["transform"].e)
    profile.update(width=big.shape[1], height=big.shape[0], transform=transform, compress="deflate", tiled=True)
    with rasterio.open(path, "w", **profile) as out:
        out.write(big, 1)
    bounds = [west, north - 2 * height_deg, west + 5 * width_deg, north]
    copy = RasterAsset.objects.create(
        kind="dem",
        name="bench: the district's DEM tiled 5 x 2 (10x area)",
        path=str(path),
        crs=asset.crs,
        width=big.shape[1],
        height=big.shape[0],
        bounds=bounds,
        resolution=asset.resolution,
        nodata=asset.nodata,
        synthetic=True,
    )
    towers = list(CellTower.objects.filter(status="active"))
    copies = []
    for i in range(5):
        for j in range(2):
            if i == j == 0:
                continue
            for t in towers:
                t2 = CellTower.objects.get(pk=t.pk)
                t2.pk = None
                t2.name = f"{t.name} [{i},{j}]"[:120]
                t2.geom = Point(t.geom.x + i * width_deg, t.geom.y - j * height_deg, srid=4326)
                copies.append(t2)
    CellTower.objects.bulk_create(copies, batch_size=500)
    log(f"10x area: {big.shape[1]} x {big.shape[0]} DEM cells, {len(towers) + len(copies)} active sectors")
    return {"dem_id": copy.pk}


def main() -> None:
    """Load, compute three ways (the district, then 10x its area), check, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenfold", choices=("full", "workers", "off"), default="full")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds a run may take")
    args = parser.parse_args()
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB}"')
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from geoplatform.celery import app
    from layers.telecom.models import CellTower

    log("migrating and loading the demo district")
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    app.conf.broker_url = app.conf.result_backend = REDIS
    app.conf.task_always_eager = False
    towers = CellTower.objects.filter(status="active").count()
    tables = [("the demo district", towers, *split("district", {}, alone=True, timeout=args.timeout))]
    if args.tenfold != "off":
        given = tenfold()
        towers10 = CellTower.objects.filter(status="active").count()
        rows = split("10x area", given, alone=args.tenfold == "full", timeout=args.timeout)
        tables.append(
            ("10x the district's area (its DEM tiled 5 x 2, its towers copied into each tile)", towers10, *rows)
        )
    print("\n2-core host shared with other work. Every fanned-out run's rasters equal the reference run's cell")
    print("for cell (the one-process run's, or the 1-worker run's where no one-process run was made).\n")
    print("| area | run | sectors | parts (sites) | seconds | of which the merge | vs 1 worker process |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for area, sectors, rows, _, _ in tables:
        one = next(seconds for name, seconds, _, _ in rows if "1 worker" in name)
        for name, seconds, parts, merge in rows:
            merged = "" if merge is None else f"{merge:.1f}"
            print(f"| {area} | {name} | {sectors} | {parts} | {seconds:.1f} | {merged} | {one / seconds:.2f}× |")
    print("\nRasters (operator/technology) per run: " + ", ".join(f"{a}: {n}" for a, _, _, _, n in tables))


if __name__ == "__main__":
    try:
        main()
    except BenchFailure as exc:
        print(f"BENCH FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        # The coverage parts of a 10x run take tens of GB: never leave them behind.
        shutil.rmtree(DATA_DIR, ignore_errors=True)
