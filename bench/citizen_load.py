"""Citizen reports under load: Open311 POSTs at 10/s for 2 minutes against uWSGI; p95 and receipts stored once.

A scratch database (``gp_citizen_load``, dropped and made again) with a two-commune district, a
private Redis as broker (the outbox's tasks are queued there), uWSGI as the demo and docker-compose.yml
run it (deploy/uwsgi.ini). Requests are sent open-loop (each at its own scheduled time, whatever earlier ones take),
each with its own Idempotency-Key; a request whose connection fails is sent again once with the same
key. At the end every receipt (service_request_id) must be stored exactly once and nothing else.

    nice -n 10 .venv/bin/python bench/citizen_load.py [--rate 10] [--seconds 120]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import webserver  # noqa: E402 - bench/ is not a package

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "gp_citizen_load")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(redis_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"{PG.replace('postgresql://', 'postgis://')}/{DB}",
        DJANGO_SETTINGS_MODULE="geoplatform.settings",
        GEOPLATFORM_ALLOW_DEV_SECRET="1",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
        REDIS_URL=redis_url,
        GEOPLATFORM_CELERY_EAGER="0",
        GEOPLATFORM_LOG_LEVEL="WARNING",
    )
    return env


SEED = """
import django; django.setup()
import importlib
from django.apps import apps
from django.contrib.gis.geos import MultiPolygon, Polygon
from layers.feedback import apikeys
from layers.feedback.models import CommuneDesk
from layers.places.models import Commune, District
importlib.import_module("layers.feedback.migrations.0003_seed_categories").seed(apps, None)
box = lambda *b: MultiPolygon(Polygon.from_bbox(b), srid=4326)
d = District.objects.create(name="Bắc Trà My", geom=box(108.15, 15.30, 108.35, 15.40))
town = Commune.objects.create(district=d, name="Thị trấn Trà My", code="tra-my", geom=box(108.15, 15.30, 108.25, 15.40))
CommuneDesk.objects.create(commune=town, email="tramy@bactramy.example")
print(apikeys.issue("load", per_minute=100000)[1])
"""


def post(base: str, secret: str, i: int) -> tuple[float, int, str, int]:
    """One citizen report; returns (seconds, status, receipt, tries)."""
    body = urllib.parse.urlencode(
        {
            "api_key": secret,
            "service_code": "road_damage",
            "lat": 15.35,
            "long": 108.2 + (i % 50) * 0.0005,
            "description": f"Ổ gà số {i} trên đường",
        }
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": f"load-{i}"}
    started = time.monotonic()
    for tries in (1, 2):
        try:
            request = urllib.request.Request(f"{base}/open311/v2/requests.json", data=body, headers=headers)  # noqa: S310
            with urllib.request.urlopen(request, timeout=30) as r:  # noqa: S310 (a loopback http URL)
                answer = json.loads(r.read())
                return time.monotonic() - started, r.status, answer[0]["service_request_id"], tries
        except urllib.error.HTTPError as e:
            return time.monotonic() - started, e.code, "", tries
        except OSError:
            if tries == 2:
                return time.monotonic() - started, 0, "", tries
    raise AssertionError("unreachable")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    redis_port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    env = app_env(f"redis://127.0.0.1:{redis_port}/0")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    secret = (
        subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    web = subprocess.Popen(
        webserver.command("127.0.0.1", port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/health/", timeout=2).read()  # noqa: S310 (loopback http)
                break
            except OSError:
                time.sleep(0.2)
        total = int(args.rate * args.seconds)
        start = time.monotonic() + 0.5

        def scheduled(i):
            delay = start + i / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            return post(base, secret, i)

        with ThreadPoolExecutor(max_workers=64) as pool:
            results = list(pool.map(scheduled, range(total)))
        wall = time.monotonic() - start
    finally:
        web.terminate()
        web.wait(30)
        redis.kill()
    times = sorted(r[0] for r in results)
    ok = [r for r in results if r[1] == 201]
    receipts = [r[2] for r in ok]
    with psycopg.connect(f"{PG}/{DB}") as conn:
        stored = conn.execute("SELECT count(*) FROM feedback_complaint").fetchone()[0]
        found = conn.execute(
            "SELECT count(*) FROM feedback_complaint WHERE tracking_code = ANY(%s)", [receipts]
        ).fetchone()[0]
        events = conn.execute("SELECT count(*) FROM feedback_outboxevent").fetchone()[0]
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000  # noqa: E731
    figures = {
        "requests": total,
        "rate_per_s": round(total / wall, 2),
        "created_201": len(ok),
        "other_status": sorted({r[1] for r in results if r[1] != 201}),
        "retried": sum(1 for r in results if r[3] > 1),
        "p50_ms": round(p(0.50)),
        "p95_ms": round(p(0.95)),
        "max_ms": round(times[-1] * 1000),
        "receipts_distinct": len(set(receipts)),
        "stored": stored,
        "receipts_found_in_db": found,
        "outbox_events": events,
    }
    print(json.dumps(figures, indent=2))
    good = len(ok) == total == len(set(receipts)) == stored == found == events and figures["p95_ms"] < 500
    print("citizen load:", "PASS" if good else "FAIL", "(p95 < 500 ms, every receipt stored once)")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
