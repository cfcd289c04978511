"""The tiles bench's CPU meter counts a server's processes, PostgreSQL's backends and the load generator."""

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench_tiles():
    spec = importlib.util.spec_from_file_location("bench_tiles_module", ROOT / "bench" / "tiles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUSY = "import time\nend = time.process_time() + 0.8\nwhile time.process_time() < end: pass\n"
# A "server" whose CPU is burnt by a child it forks, as uWSGI's and uvicorn's workers are.
SERVER = f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', {BUSY!r}])\ntime.sleep(30)"


def test_a_servers_cpu_includes_its_worker_processes_and_none_is_counted_for_the_bare_sql():
    tiles = _bench_tiles()
    parent = subprocess.Popen([sys.executable, "-c", SERVER], start_new_session=True)
    try:
        meter = tiles.CpuMeter({"server": parent})
        time.sleep(0.3)  # the child has started
        before, before_sql = meter.read("server"), meter.read("sql")
        time.sleep(2.5)
        after, after_sql = meter.read("server"), meter.read("sql")
    finally:
        os.killpg(parent.pid, 9)
        parent.wait()
    assert 0.4 <= after[0] - before[0] <= 1.2  # the rest of the child's 0.8 s busy loop, counted for the server
    assert before_sql[0] == after_sql[0] == 0  # the bare SQL has no server processes


@pytest.mark.django_db
def test_postgresql_work_and_the_load_generators_own_work_are_counted():
    from django.db import connection

    tiles = _bench_tiles()
    meter = tiles.CpuMeter({})
    before = meter.read("sql")
    with psycopg.connect(**connection.get_connection_params()) as conn:
        conn.execute("SELECT count(*) FROM generate_series(1, 4000000)").fetchone()
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    after = meter.read("sql")
    assert after[1] - before[1] >= 0.1  # the backend's CPU (a few hundred ms for 4 million rows)
    assert after[2] - before[2] >= 0.25  # this process's own busy loop


def test_the_meters_own_reading_of_proc_is_not_counted_as_the_load_generators_work():
    meter = _bench_tiles().CpuMeter({})
    first = meter.read("sql")
    for _ in range(2000):  # about 2 ms of CPU each on this host: read until they add up to 0.1 s
        meter.read("sql")
        if meter.own >= 0.1:
            break
    assert meter.own >= 0.1
    assert meter.read("sql")[2] - first[2] < 0.03  # clock ticks are 10 ms
