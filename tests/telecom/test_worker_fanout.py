"""The coverage run fanned out over workers: one task per site joined by a chord, idempotent parts,
overlapping runs storing one run's gaps at a time."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import rasterio
from django.contrib.gis.geos import Point

from layers.places.models import Village
from layers.telecom import coverage
from layers.telecom.models import CellTower, CoverageGap, CoverageRun, VillageCoverage
from tests.telecom import scene


def _towers(east: bool = True) -> None:
    """Two sites: a three-sector site west of the ridge and (``east``) one omni site east of it."""
    lon, lat = scene.lonlat(*scene.TOWER_XY)
    for azimuth in (0.0, 120.0, 240.0):
        CellTower.objects.create(
            name=f"VTL {azimuth:.0f}", operator="viettel", technology="4G", azimuth_deg=azimuth, beamwidth_deg=65,
            geom=Point(lon, lat, srid=4326),
        )  # fmt: skip
    if east:
        place = scene.lonlat(scene.X0 + 6615.0, scene.Y0 - 1215.0)
        CellTower.objects.create(name="VTL east", operator="viettel", technology="4G", geom=Point(*place, srid=4326))


def _statuses(run) -> dict:
    return dict(VillageCoverage.objects.filter(run=run).values_list("village__name", "status"))


def _raster(run) -> np.ndarray:
    with rasterio.open(run.outputs["viettel/4G"]) as ds:
        return ds.read()


@pytest.mark.worker
def test_a_run_fans_out_per_site_and_equals_the_run_computed_in_one_process(celery_worker_process, tmp_path, district):
    from ingest import dem

    dem.ingest_path(scene.write_utm(tmp_path / "ridge.tif"))
    _towers()
    alone = coverage.execute(coverage.start({}, enqueue=False).pk)
    assert alone.status == "succeeded", alone.message

    run = coverage.start({}, enqueue=False)
    assert coverage.parts(run.pk) == [("viettel", "4G", 0), ("viettel", "4G", 1)]
    from layers.telecom import tasks

    assert tasks.compute_coverage.delay(run.pk).get(timeout=60)["parts"] == 2
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in ("succeeded", "failed"):
            break
        time.sleep(0.3)
    assert run.status == "succeeded", run.message
    assert run.progress["done"] == run.progress["total"] == 4
    # The parts were merged and dropped; the stored results are the single-process run's.
    assert not (Path(run.outputs["viettel/4G"]).parent / "parts").exists()
    assert _statuses(run) == _statuses(alone) and len(_statuses(run)) == Village.objects.count()
    assert np.array_equal(_raster(run), _raster(alone))
    # Finished runs are never redone: the fan-out of a succeeded run schedules nothing.
    assert tasks.compute_coverage.delay(run.pk).get(timeout=30) == {"id": run.pk, "status": "succeeded", "parts": 0}
    assert VillageCoverage.objects.filter(run=run).count() == Village.objects.count()


def test_a_part_redone_after_a_lost_worker_is_counted_once(tmp_path, district):
    from ingest import dem

    dem.ingest_path(scene.write_utm(tmp_path / "ridge.tif"))
    _towers()
    alone = coverage.execute(coverage.start({}, enqueue=False).pk)
    run = coverage.start({}, enqueue=False)
    sites = coverage.parts(run.pk)
    first = Path(coverage.compute_part(run.pk, *sites[0]))
    content = first.read_bytes()
    first.unlink()  # the worker died after writing: the redelivered task writes the same part again
    assert Path(coverage.compute_part(run.pk, *sites[0])).read_bytes() == content
    assert coverage.compute_part(run.pk, *sites[0]) == str(first)  # and a third delivery is a no-op
    coverage.compute_part(run.pk, *sites[1])
    done = coverage.execute(run.pk)
    assert done.status == "succeeded"
    assert _statuses(done) == _statuses(alone) and np.array_equal(_raster(done), _raster(alone))
    assert VillageCoverage.objects.filter(run=done).count() == Village.objects.count()


def test_overlapping_runs_leave_the_gaps_of_the_newest_run(tmp_path, district):
    from ingest import dem

    dem.ingest_path(scene.write_utm(tmp_path / "ridge.tif"))
    _towers(east=False)  # the village behind the ridge has no signal: the runs have gaps
    older = coverage.start({}, enqueue=False)
    newer = coverage.start({}, enqueue=False)
    coverage.execute(newer.pk)  # the newer run finishes first...
    coverage.execute(older.pk)  # ...and the older one, finishing later, must not replace its gaps
    assert CoverageGap.objects.exists()
    assert set(CoverageGap.objects.values_list("run_id", flat=True)) == {newer.pk}
    assert coverage.latest_real_run().pk == newer.pk
    assert CoverageRun.objects.get(pk=older.pk).status == "succeeded" and _statuses(older) == _statuses(newer)
