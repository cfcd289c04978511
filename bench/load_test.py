"""Load test: the map's first load for 50 simulated users (locust 2.47.0), loopback only, bounded.

Serves the scratch database of bench/tiles.py (``bench_tiles``: 300,000 hotspots and 200,000
parcels; run that first) with uWSGI (deploy/uwsgi.ini, the Redis tile cache on, as deployed), then
runs bench/locustfile.py headless: 50 users starting 10 per second, for 60 seconds, each opening
the map (page, catalogue, every layer's GeoJSON or tiles of the initial view) and waiting 1-3 s.
Prints p50/p95/p99 and errors per request kind. Any failed request, any exception in a simulated
user (a catalogue that is not JSON, say: locust counts those apart from failed requests), a locust
that exits with an error or a scratch database that is not loaded fails the run (``BENCH FAILED``).

    nice -n 10 .venv/bin/python bench/load_test.py      (locust in /tmp/locust-venv, bench/requirements.txt;
                                                         created there if missing)
"""

import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
import webserver  # noqa: E402
from tiles import DB, PG, REDIS, ROOT, app_env, free_port, stop, wait_http  # noqa: E402

VENV = Path(os.environ.get("BENCH_LOCUST_VENV", "/tmp/locust-venv"))
LOCUST = VENV / "bin/locust"
LOCUST_VERSION = "2.47.0"
USERS, RATE, SECONDS = 50, 10, 60


def fail(message: str) -> None:
    """Stop the run without figures."""
    print(f"BENCH FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def ensure_locust() -> str:
    """locust, pinned, in its own venv (never in the project's requirements); its version."""
    if not LOCUST.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin/python"), "-m", "pip", "install", "-q", f"locust=={LOCUST_VERSION}"], check=True
        )
    done = subprocess.run([str(LOCUST), "--version"], capture_output=True, text=True, check=False)
    version = (done.stdout + done.stderr).split()
    if LOCUST_VERSION not in version:
        fail(f"locust {' '.join(version)} in {VENV}, the bench is pinned to {LOCUST_VERSION}")
    return LOCUST_VERSION


def main() -> None:
    """Serve, load, print the table."""
    version = ensure_locust()
    try:
        with psycopg.connect(f"{PG}/{DB}") as conn:
            hotspots = conn.execute("SELECT count(*) FROM fire_hotspot").fetchone()[0]
    except psycopg.Error as exc:
        fail(f"no scratch database {DB} ({exc}); run bench/tiles.py first")
    if hotspots < 300_000:
        fail(f"{DB} holds {hotspots} hotspots; run bench/tiles.py first")
    import redis

    # A cold tile cache: the first users fill it, as after a deploy (bench/tiles.py used the same db).
    redis.Redis.from_url(REDIS).flushdb()
    port = free_port()
    env = {**app_env(), "GEOPLATFORM_TILE_CACHE_URL": REDIS}
    server = subprocess.Popen(
        webserver.command("127.0.0.1", port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    out = Path(tempfile.mkdtemp(prefix="bench-locust-")) / "run"
    try:
        wait_http(f"http://127.0.0.1:{port}/api/layers/", server)
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
        done = subprocess.run(
            [str(LOCUST), "-f", str(ROOT / "bench/locustfile.py"), "--headless", "-u", str(USERS), "-r", str(RATE)]
            + ["-t", f"{SECONDS}s", "--host", f"http://127.0.0.1:{port}", "--csv", str(out), "--only-summary"],
            check=False,
            timeout=SECONDS + 120,
            stdout=subprocess.DEVNULL,
            stderr=open(f"{out}_locust.log", "wb"),  # noqa: SIM115 - closed with the process
        )
        load_after = Path("/proc/loadavg").read_text().split()[:3]
    finally:
        stop(server)
    exceptions = []
    if Path(f"{out}_exceptions.csv").exists():
        with open(f"{out}_exceptions.csv", newline="") as handle:
            exceptions = list(csv.DictReader(handle))
    if exceptions:
        fail(f"{len(exceptions)} kinds of exception in the simulated users, e.g. {exceptions[0]}")
    if not Path(f"{out}_stats.csv").exists():
        fail(f"locust wrote no figures (exit {done.returncode}); see {out}_locust.log")
    with open(f"{out}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    print(f"\nThe map's first load, {USERS} users ({RATE}/s ramp), {SECONDS} s, loopback, uWSGI 2 x 2 threads,")
    print(f"Redis tile cache on (emptied first); locust {version} on the same 2-core host, shared with other work;")
    print(f"started {started} UTC; load (1/5/15 min) {' '.join(load_before)} before, {' '.join(load_after)} after.")
    print()
    print("| request | count | failures | p50 ms | p95 ms | p99 ms | /s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    failures = 0
    for row in rows:
        failures += int(row["Failure Count"]) if row["Name"] == "Aggregated" else 0
        print(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} | "
            f"{row['99%']} | {float(row['Requests/s']):.1f} |"
        )
    if not rows or rows[-1]["Name"] != "Aggregated" or int(rows[-1]["Request Count"]) == 0:
        fail("locust made no requests")
    if failures:
        fail(f"{failures} failed requests")
    if done.returncode != 0:
        fail(f"locust exited with status {done.returncode}; see {out}_locust.log")


if __name__ == "__main__":
    main()
