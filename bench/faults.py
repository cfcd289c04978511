"""Fault suite: real processes killed and services stopped, counting lost and duplicated rows.

Each scenario prints what was expected and what was observed, and the run fails if they differ:

1. a Celery worker SIGKILLed in the middle of a FIRMS ingest, the reaper, then the one re-run;
2. Redis down while citizens submit reports, then back: every report stored, each mail sent once;
3. a mail server that accepts the connection and never answers: the send gives up, nothing held;
4. two overlapping FIRMS ingests at the same moment: every detection stored once.

    make faults                     # or: .venv/bin/python bench/faults.py
Environment: FAULTS_PG (server, default postgresql://postgres@127.0.0.1:5432), FAULTS_DB (scratch
database, default gp_faults; dropped and made again), FIRMS rows per file FAULTS_ROWS (default 120000).
"""

# ruff: noqa: E501  (the Python run in child processes is written as long string lines)
from __future__ import annotations

import email
import email.header
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("FAULTS_PG", "postgresql://postgres@127.0.0.1:5432")
DB = os.environ.get("FAULTS_DB", "gp_faults")
ROWS = int(os.environ.get("FAULTS_ROWS", "120000"))
VIIRS_HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,"
    "bright_ti5,frp,daynight"
)
RESULTS: list[tuple[str, str, str, bool]] = []


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env(**extra) -> dict:
    out = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    out.update(
        DATABASE_URL=f"{PG.replace('postgresql://', 'postgis://')}/{DB}",
        DJANGO_SETTINGS_MODULE="geoplatform.settings",
        GEOPLATFORM_ALLOW_DEV_SECRET="1",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        GEOPLATFORM_CELERY_EAGER="0",
        GEOPLATFORM_LOG_LEVEL="WARNING",
        DATABASE_CONN_MAX_AGE="0",
    )
    out.update(extra)
    return out


def django(code: str, **extra) -> dict:
    """Run Python with Django set up in a fresh process; its last stdout line is JSON."""
    prelude = "import json, django; django.setup()\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code], cwd=ROOT, env=env(**extra), capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def record(name: str, expected: str, observed: str) -> None:
    ok = expected == observed
    RESULTS.append((name, expected, observed, ok))
    log(f"{'OK  ' if ok else 'FAIL'} {name}: expected {expected}; observed {observed}")


class Redis:
    """A private redis-server that can be stopped and started again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def worker(broker: str, queues: str, **extra) -> subprocess.Popen:
    """A real Celery worker in its own process group; returns once it says it is ready."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "geoplatform",
            "worker",
            "-Q",
            queues,
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"faults{free_port()}@%h",
        ],
        cwd=ROOT,
        env=env(REDIS_URL=broker, CELERY_BROKER_URL=broker, CELERY_RESULT_BACKEND=broker, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    for line in proc.stdout:
        if " ready." in line:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # keep draining
            return proc
        if time.monotonic() > deadline:
            break
    raise RuntimeError("celery worker did not start")


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    proc.wait(30)


def scratch_database() -> None:
    log(f"scratch database {DB}")
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env(), check=True)


def firms_file(path: Path, start: int, count: int) -> Path:
    """A VIIRS CSV of ``count`` distinct detections inside the district (row i is always the same detection)."""
    lines = [VIIRS_HEADER]
    for i in range(start, start + count):
        rnd = random.Random(i)
        lat, lon = 15.05 + rnd.random() * 0.45, 107.9 + rnd.random() * 0.55
        day, hour, minute = 1 + i % 28, (i // 28) % 24, (i // (28 * 24)) % 60
        lines.append(
            f"{lat:.5f},{lon:.5f},330.5,0.39,0.36,2024-03-{day:02d},{hour:02d}{minute:02d},N,VIIRS,n,2.0NRT,290.1,5.2,D"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def scalar(sql: str):
    with psycopg.connect(f"{PG}/{DB}") as conn:
        return conn.execute(sql).fetchone()[0]


def worker_killed_mid_ingest(tmp: Path, redis: Redis) -> None:
    name = "1. worker SIGKILL mid FIRMS ingest, reaper, re-run"
    csv = firms_file(tmp / "big.csv", 0, ROWS)
    proc = worker(redis.url, "ingest,raster")
    django(
        f"from geoplatform.celery import app; app.conf.broker_url = {redis.url!r}\n"
        f"app.send_task('ingest.firms_tasks.ingest_firms', args=[{str(csv)!r}]); print('{{}}')"
    )
    deadline = time.monotonic() + 120
    while not scalar("SELECT count(*) FROM ingest_ingestrun WHERE status = 'running'"):
        assert time.monotonic() < deadline, "the ingest never started"
        time.sleep(0.1)
    time.sleep(1.5)
    stop(proc, signal.SIGKILL)
    log("worker killed with SIGKILL while the run was running")
    # PostgreSQL ends the dead worker's backend when its running statement next talks to the client:
    # the reaper (every 2 minutes under beat) finds the run free from then on.
    killed_at, reaped = time.monotonic(), []
    while not reaped and time.monotonic() - killed_at < 180:
        reaped = django(
            "from datetime import timedelta; from django.utils import timezone; from ingest import runs\n"
            "print(json.dumps(runs.reap(now=timezone.now() + timedelta(minutes=2))))"
        )
        time.sleep(0 if reaped else 2)
    log(f"reaped {reaped} {time.monotonic() - killed_at:.0f} s after the kill")
    status = scalar(f"SELECT status || ': ' || message FROM ingest_ingestrun WHERE id = {reaped[0]}")
    gone = "failed: worker gone" if status.startswith("failed: Tiến trình xử lý đã dừng") else status
    partial = scalar("SELECT count(*) FROM fire_hotspot")
    proc = worker(redis.url, "ingest,raster")
    try:
        clicks = django(
            f"from geoplatform.celery import app; app.conf.broker_url = {redis.url!r}\n"
            f"from ingest import runs; print(json.dumps([runs.rerun({reaped[0]}), runs.rerun({reaped[0]})]))"
        )
        deadline = time.monotonic() + 600
        while not scalar("SELECT count(*) FROM ingest_ingestrun WHERE status = 'succeeded'"):
            assert time.monotonic() < deadline, "the re-run did not finish"
            time.sleep(0.5)
        time.sleep(2)
    finally:
        stop(proc)
    record(name + ": runs reaped", "1 reaped, failed: worker gone", f"{len(reaped)} reaped, {gone}")
    record(name + ": re-run clicks", "[true, false]", json.dumps(clicks))
    observed = (
        f"{scalar('SELECT count(*) FROM ingest_ingestrun')} runs, "
        f"{scalar('SELECT count(*) FROM fire_hotspot')} hotspots"
    )
    record(name + f": rows (partial before re-run: {partial})", f"2 runs, {ROWS} hotspots", observed)


SMTP_CODE = """
import socketserver, threading
from tests.feedback.smtp_sink import SmtpSink
"""


def redis_down_while_citizens_submit(redis: Redis, reports: int = 30) -> None:
    from tests.feedback.smtp_sink import SmtpSink

    name = "2. Redis down while citizens submit, then back"
    redis.stop()
    setup = (
        "from django.contrib.gis.geos import MultiPolygon, Polygon\n"
        "from layers.places.models import District, Commune\n"
        "from layers.feedback.models import CommuneDesk\n"
        "import importlib; from django.apps import apps\n"
        "importlib.import_module('layers.feedback.migrations.0003_seed_categories').seed(apps, None)\n"
        "box = lambda *b: MultiPolygon(Polygon.from_bbox(b), srid=4326)\n"
        "d = District.objects.create(name='Bắc Trà My', geom=box(108.15, 15.30, 108.35, 15.40))\n"
        "c = Commune.objects.create(district=d, name='Thị trấn Trà My', code='tra-my', geom=box(108.15, 15.30, 108.25, 15.40))\n"
        "CommuneDesk.objects.create(commune=c, email='tramy@bactramy.example')\n"
    )
    submit = (
        f"from geoplatform.celery import app; app.conf.broker_url = {redis.url!r}\n"
        "import time; from layers.feedback import intake\n"
        "times = []\n"
        f"for i in range({reports}):\n"
        "    t = time.monotonic()\n"
        "    intake.submit(intake.Report(category='road_damage', description=f'Cống vỡ số {i}', lon=108.2, lat=15.35))\n"
        "    times.append(time.monotonic() - t)\n"
        "from layers.feedback.models import OutboxEvent\n"
        "print(json.dumps({'max_s': max(times), 'pending': OutboxEvent.objects.filter(dispatched_at__isnull=True).count()}))"
    )
    out = django(setup + submit)
    stored = scalar("SELECT count(*) FROM feedback_complaint")
    record(
        name + ": reports stored while Redis is down",
        f"{reports} stored, {reports} events pending",
        f"{stored} stored, {out['pending']} events pending",
    )
    record(name + ": slowest submit under 3 s", "True", str(out["max_s"] < 3))
    redis.start()
    with SmtpSink() as sink:
        mail = {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(sink.port),
        }
        proc = worker(redis.url, "interactive,notify", **mail)
        try:
            django(
                f"from geoplatform.celery import app; app.conf.broker_url = {redis.url!r}\n"
                "from layers.feedback import outbox; print(json.dumps(outbox.relay()))"
            )
            deadline = time.monotonic() + 120
            while scalar("SELECT count(*) FROM feedback_outboxevent WHERE delivered_at IS NULL"):
                assert time.monotonic() < deadline, "events not delivered"
                time.sleep(0.5)
            # The relay again (as beat would): nothing more is sent.
            django(
                f"from geoplatform.celery import app; app.conf.broker_url = {redis.url!r}\n"
                "from layers.feedback import outbox; from django.utils import timezone; from datetime import timedelta\n"
                "print(json.dumps(outbox.relay(now=timezone.now() + timedelta(hours=1))))"
            )
            time.sleep(3)
        finally:
            stop(proc)
        pairs = [
            (
                str(
                    email.header.make_header(
                        email.header.decode_header(email.message_from_string(m["data"])["Subject"] or "")
                    )
                ),
                tuple(m["to"]),
            )
            for m in sink.messages
        ]
    expected_mails = scalar("SELECT count(*) FROM feedback_notification")
    record(
        name + ": mails after Redis is back",
        f"{expected_mails} mails, 0 duplicated",
        f"{len(pairs)} mails, {len(pairs) - len(set(pairs))} duplicated",
    )


def silent_mail_server() -> None:
    name = "3. mail server accepts and never answers"
    code = (
        "import socket, time\n"
        "from django.conf import settings\n"
        "from django.db import transaction\n"
        "from layers.delivery import outbox\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)\n"
        "settings.EMAIL_BACKEND = 'django.core.mail.backends.smtp.EmailBackend'\n"
        "settings.EMAIL_HOST, settings.EMAIL_PORT, settings.DELIVERY_ASYNC = '127.0.0.1', s.getsockname()[1], False\n"
        "with transaction.atomic():\n"
        "    outbox.enqueue(key='faults:silent', topic='flood', subject='x', body='y',"
        " recipients=[outbox.Recipient('email', 'a@example.vn')])\n"
        "t = time.monotonic(); counts = outbox.deliver_pending(); took = time.monotonic() - t\n"
        "from layers.delivery.models import Message; m = Message.objects.get(key='faults:silent')\n"
        "print(json.dumps({'took': took, 'state': m.state, 'error': m.last_error[:60], 'timeout': settings.EMAIL_TIMEOUT}))"
    )
    out = django(code)
    record(name + ": send gives up within EMAIL_TIMEOUT + 2 s", "True", str(out["took"] < out["timeout"] + 2))
    record(name + ": message left for a retry", "pending", out["state"])
    log(f"   ({out['took']:.1f} s; {out['error']})")


def overlapping_ingests(tmp: Path) -> None:
    name = "4. two overlapping FIRMS ingests at once"
    before = scalar("SELECT count(*) FROM fire_hotspot")
    a, b = firms_file(tmp / "a.csv", 10_000_000, 20_000), firms_file(tmp / "b.csv", 10_010_000, 20_000)
    code = "from ingest import firms; r = firms.ingest_path({!r}); print(json.dumps([r.status, r.rows_new]))"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", "import json, django; django.setup()\n" + code.format(str(p))],
            cwd=ROOT,
            env=env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        for p in (a, b)
    ]
    outs = [json.loads(p.communicate(timeout=600)[0].strip().splitlines()[-1]) for p in procs]
    added = scalar("SELECT count(*) FROM fire_hotspot") - before
    record(
        name,
        "both succeeded, 30000 new detections stored once",
        f"{'both succeeded' if all(o[0] == 'succeeded' for o in outs) else outs}, {added} new detections stored once"
        if added == sum(o[1] for o in outs)
        else f"{added} stored vs {outs}",
    )


def main() -> int:
    scratch_database()
    redis = Redis()
    redis.start()
    try:
        with tempfile.TemporaryDirectory(prefix="gp-faults-") as tmp:
            worker_killed_mid_ingest(Path(tmp), redis)
            overlapping_ingests(Path(tmp))
        silent_mail_server()
        redis_down_while_citizens_submit(redis)
    finally:
        redis.stop()
    print("\n| scenario | expected | observed | |\n|---|---|---|---|")
    for name, expected, observed, ok in RESULTS:
        print(f"| {name} | {expected} | {observed} | {'ok' if ok else 'FAILED'} |")
    return 0 if all(ok for *_, ok in RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
