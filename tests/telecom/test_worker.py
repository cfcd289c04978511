"""compute_coverage through a real Celery worker process, with progress per tower."""

from __future__ import annotations

import time

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.test import Client

from layers import roles
from layers.telecom.models import CellTower, CoverageGap, CoverageRun, VillageCoverage
from tests.telecom import scene


@pytest.mark.worker
def test_compute_coverage_runs_on_the_worker_and_reports_each_tower(
    celery_worker_process, tmp_path, district, capsys, role_user
):
    from ingest import dem

    dem.ingest_path(scene.write_utm(tmp_path / "ridge.tif"))
    lon, lat = scene.lonlat(*scene.TOWER_XY)
    for azimuth in (0.0, 120.0, 240.0):  # one three-sector site
        CellTower.objects.create(
            name=f"VTL sector {azimuth:.0f}",
            operator="viettel",
            technology="4G",
            azimuth_deg=azimuth,
            beamwidth_deg=65,
            geom=Point(lon, lat, srid=4326),
        )
    call_command("compute_coverage", "--timeout", "120")
    out = capsys.readouterr().out
    run = CoverageRun.objects.get()
    assert run.status == "succeeded", run.message
    assert run.progress["done"] == run.progress["total"] == 3
    assert "succeeded" in out and "viettel/4G" in out
    assert VillageCoverage.objects.get(run=run, village=district["shadowed"]).status == "none"
    assert CoverageGap.objects.get(severity="none").geom.contains(district["shadowed"].geom)
    # The planner page's button posts here; the worker runs it and the page polls the progress.
    planner = role_user(roles.PLANNER)
    client = Client()
    client.force_login(planner)
    answer = client.post("/coverage/runs/", '{"parameters": {"extra_loss_db": 3}}', content_type="application/json")
    assert answer.status_code == 202
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        detail = client.get(f"/coverage/runs/{answer.json()['id']}/").json()
        if detail["status"] in {"succeeded", "failed"}:
            break
        time.sleep(0.5)
    assert detail["status"] == "succeeded" and detail["progress"]["done"] == 3
    assert detail["parameters"]["extra_loss_db"] == 3
    assert CoverageGap.objects.get(severity="none").run_id == detail["id"]  # the newest run's gaps replaced
