"""The bootstrap script: a clear message when not root and packages are missing; quick re-runs."""

import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _shim(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_not_root_and_missing_packages_names_them_and_stops(tmp_path):
    # Pretend to be an ordinary user on a machine without PostGIS and Chromium.
    _shim(tmp_path, "id", 'if [ "$1" = "-u" ]; then echo 1000; else /usr/bin/id "$@"; fi')
    _shim(
        tmp_path,
        "dpkg-query",
        'for a in "$@"; do case "$a" in postgresql-*-postgis-3|chromium) exit 1;; esac; done; '
        'exec /usr/bin/dpkg-query "$@"',
    )
    env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}")
    before = sorted(p.name for p in (ROOT / ".run").iterdir()) if (ROOT / ".run").exists() else []
    result = subprocess.run(["bash", "scripts/bootstrap.sh"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "apt-get install -y" in result.stderr
    assert "postgresql-15-postgis-3" in result.stderr and "chromium" in result.stderr
    after = sorted(p.name for p in (ROOT / ".run").iterdir()) if (ROOT / ".run").exists() else []
    assert after == before, "nothing half done"


def test_second_run_installs_nothing():
    # As a newcomer runs it: no DATABASE_URL/REDIS_URL of the test session leaks into .run/env.sh.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        ["bash", "scripts/bootstrap.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "installing" not in result.stdout + result.stderr
    assert "ready: database" in result.stdout


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_without_servers_it_starts_a_private_postgis_cluster_and_redis():
    import shutil
    import tempfile

    import psycopg
    import redis

    # A checkout of the scripts in a folder the postgres user can enter (initdb runs as postgres).
    work = Path(tempfile.mkdtemp(prefix="gp-bootstrap-", dir="/tmp"))
    work.chmod(0o755)
    (work / "scripts").mkdir()
    for name in ("scripts/bootstrap.sh", "requirements.txt", "constraints.txt", "package.json", "package-lock.json"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, work / name)
    if (ROOT / "node_modules").exists():  # the browser libraries are not what this test is about
        (work / "node_modules").symlink_to(ROOT / "node_modules")
    pg_port, redis_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        GEOPLATFORM_VENV=str(ROOT / ".venv"),
        GEOPLATFORM_PG_PROBE=f"127.0.0.1:{_free_port()}",  # nothing listens there
        GEOPLATFORM_REDIS_PROBE=f"127.0.0.1:{_free_port()}",
        GEOPLATFORM_PRIVATE_PG_PORT=str(pg_port),
        GEOPLATFORM_PRIVATE_REDIS_PORT=str(redis_port),
    )
    try:
        result = subprocess.run(
            ["bash", "scripts/bootstrap.sh"], cwd=work, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "private PostgreSQL cluster" in result.stdout and "private Redis" in result.stdout
        written = (work / ".run" / "env.sh").read_text()
        assert f"127.0.0.1:{pg_port}/geoplatform" in written and f"127.0.0.1:{redis_port}/0" in written
        with psycopg.connect(host="127.0.0.1", port=pg_port, user="postgres", dbname="geoplatform") as conn:
            assert conn.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3.")
        assert redis.Redis(host="127.0.0.1", port=redis_port).ping()
    finally:
        pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(pg_bin / "pg_ctl"),
                "-D",
                str(work / ".run/pg"),
                "-m",
                "fast",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        pidfile = work / ".run" / "redis.pid"
        if pidfile.exists():
            subprocess.run(["kill", pidfile.read_text().strip()], check=False)
        shutil.rmtree(work, ignore_errors=True)
