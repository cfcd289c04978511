"""FIRMS from a URL, the area API (served on loopback), the command line, and a real Celery worker."""

import numpy as np
import pytest
import rasterio
from django.core.management import CommandError, call_command
from rasterio.transform import from_origin

from ingest import firms_api, firms_tasks
from ingest.models import IngestRun
from layers.fire.models import FireEvent, Hotspot
from tests import loopback
from tests.fire.factories import VIIRS_HEADER, csv_bytes, viirs_row

FILES = {
    "/firms/day1.csv": csv_bytes(VIIRS_HEADER, [viirs_row(15.25, 108.15), viirs_row(15.255, 108.155)]),
}


def _firms(path: str) -> tuple[int, bytes]:
    """Static files and the area API, as FIRMS answers them (a wrong key is a 200 with a message)."""
    if path in FILES:
        return 200, FILES[path]
    if path.startswith("/api/area/csv/TESTKEY/VIIRS_NOAA20_NRT/"):
        return 200, csv_bytes(VIIRS_HEADER, [viirs_row(15.3, 108.2, sat="N20", time="149")])
    if path.startswith("/api/area/csv/"):
        return 200, b"Invalid MAP_KEY."
    return 404, b""


@pytest.fixture
def firms_server():
    """A loopback HTTP server answering like FIRMS (static files and the area API)."""
    with loopback.http_get(_firms) as served:
        yield served


@pytest.mark.django_db
def test_ingest_from_url_and_command_line(firms_server, capsys):
    base, _ = firms_server
    call_command("ingest_firms", f"{base}/firms/day1.csv", "--source", "VIIRS_SNPP_NRT")
    out = capsys.readouterr().out
    assert "mới 2" in out and Hotspot.objects.count() == 2
    assert FireEvent.objects.count() == 1  # the command updates events afterwards
    with pytest.raises(CommandError, match="HTTP 404"):
        call_command("ingest_firms", f"{base}/firms/missing.csv")


@pytest.mark.django_db
def test_area_api_uses_the_key_and_box_and_hides_the_key(firms_server, settings):
    base, seen = firms_server
    settings.FIRMS_API_BASE = base
    settings.FIRMS_MAP_KEY = "TESTKEY"
    run = firms_api.ingest_area("VIIRS_NOAA20_NRT", days=2)
    assert run.rows_new == 1
    assert seen[-1] == "/api/area/csv/TESTKEY/VIIRS_NOAA20_NRT/107.85,15,108.5,15.55/2"
    assert "TESTKEY" not in str(run.params) and "***" in run.params["url"]
    assert Hotspot.objects.get().acquired_at.strftime("%H:%M") == "01:49"
    # A wrong key answers text, not CSV: the file is refused whole, the run failed.
    settings.FIRMS_MAP_KEY = "WRONG"
    with pytest.raises(firms_api.firms.FirmsRefused, match="Thiếu các cột bắt buộc"):
        firms_api.ingest_area("VIIRS_NOAA20_NRT")
    assert IngestRun.objects.filter(status="failed").count() == 1


def test_only_http_urls_are_fetched():
    with pytest.raises(firms_api.firms.FirmsRefused):
        firms_api.fetch("file:///etc/passwd")


@pytest.mark.worker
def test_firms_task_and_a_truncated_raster_through_the_real_worker(celery_worker_process, firms_server, tmp_path):
    base, _ = firms_server
    run_id = firms_tasks.ingest_firms.delay(f"{base}/firms/day1.csv").get(timeout=60)
    run = IngestRun.objects.get(pk=run_id)
    assert (run.status, run.rows_new) == ("succeeded", 2)
    # Redelivered or replayed: the same file is a no-op, the row count stays.
    replay = IngestRun.objects.get(pk=firms_tasks.ingest_firms.delay(f"{base}/firms/day1.csv").get(timeout=60))
    assert replay.params["replay_of"] == run_id and Hotspot.objects.count() == 2
    # A truncated GeoTIFF: a failed run with its reason, no rows, and the worker still answers.
    path = tmp_path / "MOD14.A2024070.0330.tif"
    data = np.random.default_rng(5).choice([5, 8], size=(300, 300)).astype("uint8")
    with rasterio.open(
        path, "w", driver="GTiff", width=300, height=300, count=1, dtype="uint8", crs="EPSG:4326",
        transform=from_origin(108.1, 15.3, 0.001, 0.001),
    ) as ds:  # fmt: skip
        ds.write(data, 1)
    path.write_bytes(path.read_bytes()[:40_000])
    failed = IngestRun.objects.get(pk=firms_tasks.ingest_raster.delay(str(path), "fire-mask").get(timeout=60))
    assert failed.status == "failed" and failed.message
    assert Hotspot.objects.count() == 2
    from ingest.tasks import summarise_run

    assert summarise_run.delay(run_id).get(timeout=30)["new"] == 2
