"""Fault suite: real processes killed and services stopped, counting lost and duplicated rows.

Each scenario prints what was expected and what was observed, and the run fails if they differ:

1. a Celery worker SIGKILLed in the middle of a FIRMS ingest, the reaper, then the one re-run;
2. Redis down while citizens submit reports, then back: every report stored, each mail sent once;
3. a mail server that accepts the connection and never answers: the send gives up, nothing held;
4. two overlapping FIRMS ingests at the same moment: every detection stored once;
5. a private PostgreSQL 15 cluster restarted (fast) under reads and citizen posts through uWSGI:
   a clean 503 JSON or a refused connection meanwhile, the same uWSGI answers again after, every
   201 receipt stored once;
6. uWSGI SIGKILLed right after it answered a 201: the receipt stored once, its mail sent once;
7. a full disk for uploads (a 2 MB tmpfs as GEOPLATFORM_DATA_DIR, needs root): a clean 507, no
   orphan or empty file, no report stored without its photo.

    make faults                     # or: .venv/bin/python bench/faults.py
Environment: FAULTS_PG (server, default postgresql://postgres@127.0.0.1:5432), FAULTS_DB (scratch
database, default gp_faults; dropped and made again), FIRMS rows per file FAULTS_ROWS (default 120000),
FAULTS_ONLY (comma-separated scenario numbers to run, default all).
"""

# ruff: noqa: E501  (the Python run in child processes is written as long string lines)
from __future__ import annotations

import email
import email.header
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import webserver  # noqa: E402 - bench/ is not a package

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


def deliver_with_worker(redis, mail: dict, pending_sql: str) -> None:
    """A real worker delivers until ``pending_sql`` counts 0; then the relay runs again an hour later (as beat
    would) so that a second sending, if any, lands in the sink before the worker stops."""
    proc = worker(redis.url, "interactive,notify", **mail)
    try:
        deadline = time.monotonic() + 120
        while scalar(pending_sql):
            assert time.monotonic() < deadline, "events not delivered"
            time.sleep(0.5)
        django(
            f"from geoplatform.celery import app; app.conf.broker_url = {redis.url!r}\n"
            "from layers.feedback import outbox; from django.utils import timezone; from datetime import timedelta\n"
            "print(json.dumps(outbox.relay(now=timezone.now() + timedelta(hours=1))))"
        )
        time.sleep(3)
    finally:
        stop(proc)


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
    setup = SEED_DISTRICT
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
        django(
            f"from geoplatform.celery import app; app.conf.broker_url = {redis.url!r}\n"
            "from layers.feedback import outbox; print(json.dumps(outbox.relay()))"
        )
        deliver_with_worker(redis, mail, "SELECT count(*) FROM feedback_outboxevent WHERE delivered_at IS NULL")
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


SEED_DISTRICT = (
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
ISSUE_KEY = "from layers.feedback import apikeys; print(json.dumps(apikeys.issue('faults', per_minute=100000)[1]))"


class WebServer:
    """uWSGI as deployed (deploy/uwsgi.ini), in its own process group, ready once /health/ answers (a 503 too)."""

    def __init__(self, processes: int = 2, **extra):
        self.port, self.processes, self.extra, self.proc = free_port(), processes, extra, None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebServer:
        self.proc = subprocess.Popen(
            webserver.command("127.0.0.1", self.port, "--processes", str(self.processes)),
            cwd=ROOT,
            env=env(DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_SECURE_COOKIES="0", DJANGO_HSTS_SECONDS="0", **self.extra),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.base}/health/", timeout=5)
                return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("uWSGI did not start")

    def kill(self, sig=signal.SIGTERM) -> None:
        if self.proc:
            stop(self.proc, sig)
            self.proc = None


def open311_post(base: str, secret: str, key: str, i: int) -> requests.Response:
    data = {"api_key": secret, "service_code": "road_damage", "lat": 15.35, "long": 108.2 + (i % 50) * 0.0005}
    data["description"] = f"Ổ gà số {i} (faults)"
    return requests.post(
        f"{base}/open311/v2/requests.json",
        data=data,
        headers={"Idempotency-Key": key},
        timeout=30,
        allow_redirects=False,
    )


def answer_class(response: requests.Response | None) -> str:
    """'ok', 'clean' (a 503 JSON or a refused connection) or what else came back."""
    if response is None:
        return "clean"
    if response.status_code in (200, 201):
        return "ok"
    kind = response.headers.get("Content-Type", "").split(";")[0]
    if response.status_code == 503 and kind == "application/json":
        return "clean"
    return f"{response.status_code} {kind}"


class PrivatePostgres:
    """A PostgreSQL 15 cluster of its own (initdb in a temp dir, its own port): never the main one on 5432."""

    BIN = Path("/usr/lib/postgresql/15/bin")

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="gp-faults-pg-"))
        self.port = free_port()
        self.data = self.dir / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.BIN / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        subprocess.run(
            [
                *self.as_postgres,
                str(self.BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        self.launch()

    def launch(self) -> None:
        # Always with its own port and socket directory: a bare `pg_ctl start` would take 5432.
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
        self.ctl("-l", str(self.dir / "log"), "-o", options, "-w", "start")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.ctl("-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def postgres_restarted_under_load(seconds_before: float = 6, down_s: float = 3, seconds_after: float = 6) -> None:
    name = "5. PostgreSQL restarted under reads and writes"
    pg = PrivatePostgres()
    web = None
    try:
        pg.start()
        with psycopg.connect(f"{pg.url}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE gp_faults_pg")
        with psycopg.connect(f"{pg.url}/gp_faults_pg", autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        db = {
            "DATABASE_URL": f"{pg.url.replace('postgresql://', 'postgis://')}/gp_faults_pg",
            "DATABASE_CONN_MAX_AGE": "60",
        }
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env(**db), check=True)
        secret = django(SEED_DISTRICT + ISSUE_KEY, **db)
        # The broker is a closed port: the outbox keeps the events (scenario 2 covers the broker).
        web = WebServer(processes=2, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", **db).start()
        log(f"private PostgreSQL on {pg.port}, uWSGI on {web.port}")
        phase, lock = ["before"], threading.Lock()
        seen: dict[str, dict[str, int]] = {"before": {}, "outage": {}, "after": {}}
        receipts: dict[str, set[str]] = {}
        done = threading.Event()

        def note(answer: str) -> None:
            with lock:
                bucket = seen[phase[0]]
                bucket[answer] = bucket.get(answer, 0) + 1

        def reader() -> None:
            while not done.is_set():
                try:
                    r = requests.get(f"{web.base}/open311/v2/requests.json", timeout=30)
                except requests.RequestException:
                    r = None
                note(answer_class(r))
                time.sleep(0.05)

        def poster(n: int) -> None:
            i = 0
            while not done.is_set():
                key, i = f"pg-{n}-{i}", i + 1
                while True:  # a client retries the same report (same Idempotency-Key) until it has a receipt
                    try:
                        r = open311_post(web.base, secret, key, i)
                    except requests.RequestException:
                        r = None
                    note(answer_class(r))
                    if r is not None and r.status_code == 201:
                        with lock:
                            receipts.setdefault(key, set()).add(r.json()[0]["service_request_id"])
                        break
                    time.sleep(0.2)
                time.sleep(0.05)

        threads = [threading.Thread(target=reader, daemon=True) for _ in range(2)] + [
            threading.Thread(target=poster, args=(n,), daemon=True) for n in range(2)
        ]
        for t in threads:
            t.start()
        time.sleep(seconds_before)
        with lock:
            phase[0] = "outage"
        pg.ctl("-m", "fast", "-w", "stop")
        log(f"PostgreSQL stopped (fast); starting it again in {down_s:.0f} s")
        time.sleep(down_s)
        pg.launch()
        time.sleep(1)
        with lock:
            phase[0] = "after"
        time.sleep(seconds_after)
        done.set()
        for t in threads:
            t.join(60)
        log(f"answers by phase: {json.dumps(seen)}")

        def attempt(call) -> str:
            try:
                return answer_class(call())
            except requests.RequestException as exc:
                return type(exc).__name__

        after = [attempt(lambda: requests.get(f"{web.base}/open311/v2/requests.json", timeout=30)) for _ in range(10)]
        after += [attempt(lambda i=i: open311_post(web.base, secret, f"pg-after-{i}", i)) for i in range(10)]
        bad = {k: v for phase_seen in seen.values() for k, v in phase_seen.items() if k not in ("ok", "clean")}
        during = seen["outage"]
        record(
            name + ": answers while it was down",
            "503 JSON or refused only",
            "503 JSON or refused only" if not bad else json.dumps(bad),
        )
        record(name + ": same uWSGI afterwards", "20/20 answered", f"{after.count('ok')}/20 answered")
        log(f"   (during the outage: {during.get('clean', 0)} clean refusals, {during.get('ok', 0)} answered)")
        with psycopg.connect(f"{pg.url}/gp_faults_pg") as conn:
            rows = conn.execute(
                "SELECT r.key, c.tracking_code FROM feedback_idempotencyrecord r JOIN feedback_complaint c ON c.id = r.complaint_id WHERE r.key LIKE 'pg-%' AND r.key NOT LIKE 'pg-after-%'"
            ).fetchall()
            stored = conn.execute(
                "SELECT count(*) FROM feedback_complaint WHERE description LIKE '%(faults)' AND id NOT IN (SELECT complaint_id FROM feedback_idempotencyrecord WHERE key LIKE 'pg-after-%')"
            ).fetchone()[0]
        by_key = dict(rows)
        mismatched = sum(1 for k, codes in receipts.items() if codes != {by_key.get(k)})
        record(
            name + ": receipts",
            f"{len(receipts)} reports with a 201, {len(receipts)} stored, 0 lost, 0 duplicated",
            f"{len(receipts)} reports with a 201, {stored} stored, {mismatched} lost, {stored - len(by_key)} duplicated",
        )
    finally:
        if web:
            web.kill()
        pg.destroy()


def web_server_killed_after_201(redis: Redis, rounds: int = 3) -> None:
    from tests.feedback.smtp_sink import SmtpSink

    name = "6. uWSGI SIGKILL right after a 201"
    secret = django(ISSUE_KEY)
    broker = {"REDIS_URL": redis.url, "CELERY_BROKER_URL": redis.url, "CELERY_RESULT_BACKEND": redis.url}
    before = scalar("SELECT count(*) FROM feedback_notification")
    receipts = {}
    for i in range(rounds):
        web = WebServer(processes=1, **broker).start()
        key = f"kill-{i}"
        r = open311_post(web.base, secret, key, 1000 + i)
        web.kill(signal.SIGKILL)  # the moment the 201 is read
        assert r.status_code == 201, r.text
        receipts[key] = r.json()[0]["service_request_id"]
    web = WebServer(processes=1, **broker).start()
    try:
        replayed = {
            key: open311_post(web.base, secret, key, 1000 + i).json()[0]["service_request_id"]
            for i, key in enumerate(receipts)
        }
        found = [
            requests.get(f"{web.base}/open311/v2/requests/{code}.json", timeout=30).status_code
            for code in receipts.values()
        ]
    finally:
        web.kill()
    codes = ",".join(f"'{c}'" for c in receipts.values())
    stored = scalar(f"SELECT count(*) FROM feedback_complaint WHERE tracking_code IN ({codes})")
    # Every row of these reports, whatever its code: a retry that made a second row would show here.
    texts = ",".join(f"'Ổ gà số {1000 + i} (faults)'" for i in range(rounds))
    rows = scalar(f"SELECT count(*) FROM feedback_complaint WHERE description IN ({texts})")
    observed = f"{stored} stored once" if stored == rows == rounds else f"{stored} of {rounds} stored, {rows} rows"
    observed += ", readable" if found == [200] * rounds else f", reads {found}"
    observed += ", retry gives the same receipt" if replayed == receipts else ", retry gave another receipt"
    record(name + ": receipts after restart", f"{rounds} stored once, readable, retry gives the same receipt", observed)
    with SmtpSink() as sink:
        mail = {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(sink.port),
        }
        pending = f"SELECT count(*) FROM feedback_outboxevent e JOIN feedback_complaint c ON c.id = e.complaint_id WHERE e.delivered_at IS NULL AND c.tracking_code IN ({codes})"
        deliver_with_worker(redis, mail, pending)
        ours = [m for m in sink.messages if any(code in m["data"] for code in receipts.values())]
        pairs = [(next(c for c in receipts.values() if c in m["data"]), tuple(m["to"])) for m in ours]
    expected = scalar("SELECT count(*) FROM feedback_notification") - before
    record(
        name + ": mails after restart (worker delivers)",
        f"{expected} mails, 0 duplicated" if expected >= rounds else f"at least {rounds} mails",
        f"{len(pairs)} mails, {len(pairs) - len(set(pairs))} duplicated",
    )


def photo_bytes(seed: int, side: int = 560) -> bytes:
    """A JPEG of noise (it does not compress): about 300 KB."""
    import io

    from PIL import Image

    noise = random.Random(seed).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), noise).save(out, format="JPEG", quality=90)
    return out.getvalue()


def disk_full_for_uploads(tmp: Path, uploads: int = 12) -> None:
    name = "7. full disk for uploads (2 MB tmpfs)"
    if os.geteuid() != 0:
        record(name, "run as root (mount -t tmpfs)", "skipped: not root")
        return
    data_dir = Path(tempfile.mkdtemp(prefix="gp-faults-full-"))
    # The per-address post limit (10 a minute) is lifted for this run only, in a settings module of its own.
    (tmp / "faults_settings.py").write_text(
        "from geoplatform.settings import *  # noqa\nFEEDBACK_POSTS_PER_MINUTE = 1000\n"
    )
    web = None
    mounted = False
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(data_dir)], check=True)
        mounted = True
        web = WebServer(
            processes=1,
            GEOPLATFORM_DATA_DIR=str(data_dir),
            DJANGO_SETTINGS_MODULE="faults_settings",
            PYTHONPATH=f"{tmp}:{ROOT}",
            REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        ).start()
        statuses, messages = [], []
        for i in range(uploads):
            session = requests.Session()
            page = session.get(f"{web.base}/feedback/", timeout=30).text
            hidden = dict(re.findall(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]+)"', page))
            form = {
                **hidden,
                "category": "road_damage",
                "description": f"Đầy đĩa số {i}",
                "lat": "15.35",
                "lon": str(108.2 + i * 0.001),
                "confirm_new": "on",
            }
            r = session.post(
                f"{web.base}/feedback/",
                data=form,
                files={"photos": (f"p{i}.jpg", photo_bytes(i), "image/jpeg")},
                headers={"Referer": f"{web.base}/feedback/"},
                allow_redirects=False,
                timeout=60,
            )
            statuses.append(r.status_code)
            if r.status_code not in (302, 303):
                messages.append(r.text)
            if statuses.count(507) >= 3:
                break
        log(f"   upload answers: {statuses}")
        files = [p for p in (data_dir / "media").rglob("*") if p.is_file()]
        empty = sum(1 for p in files if p.stat().st_size == 0)
        names = {str(p.relative_to(data_dir / "media")) for p in files}
        with psycopg.connect(f"{PG}/{DB}") as conn:
            rows = conn.execute(
                "SELECT c.tracking_code, p.image FROM feedback_complaint c LEFT JOIN feedback_photo p ON p.complaint_id = c.id WHERE c.description LIKE 'Đầy đĩa số %'"
            ).fetchall()
        referenced = {image for _, image in rows if image}
        stored = len({code for code, _ in rows})
        without_photo = sum(1 for _, image in rows if not image)
        missing = len(referenced - names)
        created = sum(1 for s in statuses if s in (302, 303))
        first_full = statuses.index(507) if 507 in statuses else None
        clean = first_full is not None and all(s == 507 for s in statuses[first_full:])
        said = bool(messages) and "hết chỗ" in messages[-1]
        record(
            name + ": answer once full",
            "507 with the storage-full message, every time",
            "507 with the storage-full message, every time" if clean and said else f"{statuses}",
        )
        record(
            name + ": files and rows",
            f"{created} reports with their photo, 0 orphan, 0 empty, 0 half-written",
            f"{stored} reports with their photo, {len(names - referenced)} orphan, {empty} empty, {without_photo + missing} half-written"
            if stored == created
            else f"{stored} reports stored for {created} accepted, {len(names - referenced)} orphan, {empty} empty",
        )
    finally:
        if web:
            web.kill()
        if mounted and subprocess.run(["umount", str(data_dir)]).returncode != 0:
            subprocess.run(["umount", "-l", str(data_dir)])
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> int:
    only = {n.strip() for n in os.environ.get("FAULTS_ONLY", "").split(",") if n.strip()}
    run = lambda n: not only or str(n) in only  # noqa: E731
    scratch_database()
    redis = Redis()
    redis.start()
    try:
        with tempfile.TemporaryDirectory(prefix="gp-faults-") as tmp:
            if run(1):
                worker_killed_mid_ingest(Path(tmp), redis)
            if run(4):
                overlapping_ingests(Path(tmp))
            if run(3):
                silent_mail_server()
            if run(2):
                redis_down_while_citizens_submit(redis)
            elif run(6) or run(7):
                django(SEED_DISTRICT + "print('{}')")
            if run(5):
                postgres_restarted_under_load()
            if run(6):
                web_server_killed_after_201(redis)
            if run(7):
                disk_full_for_uploads(Path(tmp))
    finally:
        redis.stop()
    print("\n| scenario | expected | observed | |\n|---|---|---|---|")
    for name, expected, observed, ok in RESULTS:
        print(f"| {name} | {expected} | {observed} | {'ok' if ok else 'FAILED'} |")
    return 0 if all(ok for *_, ok in RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
