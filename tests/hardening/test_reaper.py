"""Stuck work: a run whose process died is reaped with the reason, seen by operators, re-run exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from geoplatform.celery import app
from ingest import runs
from ingest.models import IngestRun
from layers.fire.models import Hotspot
from tests.fire.factories import VIIRS_HEADER, csv_bytes, viirs_row

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = settings.BASE_DIR


def _env() -> dict:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env.update(DATABASE_URL=f"postgis://{db['USER'] or 'postgres'}@{host}/{db['NAME']}", DJANGO_DEBUG="1")
    return env


def _run_in_a_process_that_dies(task: dict) -> int:
    """A real process opens a run (as a worker would), then is killed with SIGKILL mid-way."""
    code = (
        "import django, os, sys, time; django.setup()\n"
        "from ingest import runs; from ingest.models import IngestRun\n"
        "run = runs.start('VIIRS_SNPP_NRT', 'firms', file_name='f.csv')\n"
        f"IngestRun.objects.filter(pk=run.pk).update(task={task!r})\n"
        "print(run.pk, flush=True); time.sleep(120)\n"
    )
    env = _env() | {"DJANGO_SETTINGS_MODULE": "geoplatform.settings"}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        run_id = int(proc.stdout.readline())
        # Alive: its lock is held, so the reaper leaves it alone however old it looks.
        IngestRun.objects.filter(pk=run_id).update(started_at=timezone.now() - timedelta(minutes=5))
        assert runs.reap() == []
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    return run_id


def test_a_run_whose_worker_was_killed_is_failed_with_the_reason_and_re_run_once(tmp_path, client, users):
    csv = tmp_path / "viirs.csv"
    csv.write_bytes(csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15), viirs_row(15.26, 108.16)]))
    task = {"id": "dead-task-1", "name": "ingest.firms_tasks.ingest_firms", "args": [str(csv)], "kwargs": {}}
    run_id = _run_in_a_process_that_dies(task)

    assert runs.reap() == [run_id]
    run = IngestRun.objects.get(pk=run_id)
    assert (run.status, run.message) == ("failed", runs.WORKER_GONE) and run.finished_at
    assert runs.reap() == []  # reaped once

    # The operator sees it with the dead letters, and re-runs it; two clicks at once run it once.
    client.force_login(users["operator"])
    page = client.get("/delivery/dead/").content.decode()
    assert runs.WORKER_GONE in page and f"/delivery/runs/{run_id}/rerun/" in page
    old_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the re-run executes here, on the same test database
    try:
        outcomes = []

        def click():
            try:
                outcomes.append(runs.rerun(run_id))
            finally:
                connection.close()

        clicks = [threading.Thread(target=click) for _ in range(2)]
        for t in clicks:
            t.start()
        for t in clicks:
            t.join(60)
        assert sorted(outcomes) == [False, True]
        assert client.post(f"/delivery/runs/{run_id}/rerun/").status_code == 302  # a third: nothing more
    finally:
        app.conf.task_always_eager = old_eager
    assert IngestRun.objects.filter(kind="firms", status="succeeded").count() == 1
    assert Hotspot.objects.count() == 2

    # The broker hands the original task out again later (visibility timeout): it does nothing.
    with pytest.raises(runs.RunSuperseded):
        runs._guard_redelivery(task, "VIIRS_SNPP_NRT", "firms")
    assert IngestRun.objects.count() == 2


def test_a_redelivered_task_of_a_dead_run_is_its_one_re_run(tmp_path):
    task = {"id": "dead-task-2", "name": "ingest.firms_tasks.ingest_firms", "args": ["/nowhere"], "kwargs": {}}
    run_id = _run_in_a_process_that_dies(task)
    runs._guard_redelivery(task, "VIIRS_SNPP_NRT", "firms")  # the redelivery claims the re-run: it goes on
    run = IngestRun.objects.get(pk=run_id)
    assert run.status == "failed" and run.rerun_at is not None
    assert runs.rerun(run_id) is False  # so the operator's button does not run it a second time
    with pytest.raises(runs.RunSuperseded):
        runs._guard_redelivery(task, "VIIRS_SNPP_NRT", "firms")
