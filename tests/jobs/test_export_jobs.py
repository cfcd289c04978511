"""Large exports as background jobs: 202 and a status URL, the file a worker writes, owner-only download."""

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pyogrio
import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.utils import timezone

from layers import roles
from layers.api import exports
from layers.jobs import services, tasks
from layers.jobs.models import Job
from tests.api.conftest import SECRETS
from tests.api.helpers import leaks


def start(client, url, **params):
    """Ask for an export and check the 202 shape; the job id."""
    response = client.get(url, params)
    assert response.status_code == 202, response.content[:300]
    body = response.json()
    assert set(body) == {"job", "status", "status_url"} and body["status"] == "queued"
    assert response["Location"] == body["status_url"]
    assert body["status_url"].endswith(f"/api/jobs/{body['job']}/")
    return body["job"]


def status(client, job):
    response = client.get(f"/api/jobs/{job}/")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def download(client, job) -> bytes:
    response = client.get(f"/api/jobs/{job}/download/")
    assert response.status_code == 200, response.content[:300]
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def plain(data: bytes, fmt: str) -> bytes:
    """The bytes of a file, a zipped Shapefile's members uncompressed."""
    if fmt != "shp":
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def test_background_export_answers_202_then_the_task_writes_the_file(
    world, clients, sent, django_capture_on_commit_callbacks, tmp_path
):
    staff = clients["urban_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        job = start(staff, "/api/layers/parcels/export.gpkg", background="1", map_sheet="12")
    assert sent == [("layers.jobs.tasks.run_export", job)]
    assert status(staff, job)["status"] == "queued" and status(staff, job)["download_url"] is None

    assert tasks.run_export(job) == "done"
    body = status(staff, job)
    assert (body["status"], body["rows"], body["error"]) == ("done", 2, None)
    path = Path(django_settings.DATA_DIR) / "exports" / f"{job}.gpkg"
    assert body["bytes"] == path.stat().st_size and body["download_url"].endswith(f"/api/jobs/{job}/download/")
    assert not list(path.parent.glob(".tmp-*"))  # written beside, then renamed into place
    data = download(staff, job)
    assert data == path.read_bytes()
    (tmp_path / "p.gpkg").write_bytes(data)
    frame = pyogrio.read_dataframe(tmp_path / "p.gpkg")
    assert sorted(frame["parcel_number"]) == ["34", "35"]
    assert SECRETS[0] in set(frame["holder_name"])  # the requester may see the private field


def test_above_the_cap_a_signed_in_reader_gets_a_job_and_anonymous_keeps_the_413(world, clients, sent, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    anonymous = clients["anonymous"].get("/api/layers/villages/export.csv")
    assert anonymous.status_code == 413 and anonymous.json()["error"]["code"] == "too_large"
    # ?background=1 from an anonymous caller is no job either: served as usual (below the cap) or refused.
    assert clients["anonymous"].get("/api/layers/villages/export.csv", {"background": "1"}).status_code == 413
    assert clients["anonymous"].get("/api/layers/rivers/export.csv", {"background": "1"}).status_code == 200
    assert not Job.objects.exists()

    job = start(clients["planner"], "/api/layers/villages/export.geojson")
    tasks.run_export(job)
    features = json.loads(download(clients["planner"], job))["features"]
    assert len(features) == 3 and status(clients["planner"], job)["rows"] == 3


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "csv", "kml"])
def test_private_fields_are_absent_from_a_file_made_for_a_user_who_may_not_see_them(
    world, clients, sent, fmt, tmp_path
):
    job = start(clients["planner"], f"/api/layers/complaints/export.{fmt}", background="1")
    tasks.run_export(job)
    assert Job.objects.get(pk=job).columns == list(
        ("tracking_code", "category", "description", "status", "created_at", "commune")
    )
    data = download(clients["planner"], job)
    assert not leaks(plain(data, fmt), SECRETS)
    if fmt == "shp":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(tmp_path)
        path = tmp_path / "complaints.shp"
    else:
        path = tmp_path / f"complaints.{fmt}"
        path.write_bytes(data)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert len(rows) == 1 and "reporter_phone" not in rows[0] and {"lon", "lat"} <= set(rows[0])
        return
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 1 and "reporter_phone" not in frame.columns

    officer = start(clients["feedback_officer"], f"/api/layers/complaints/export.{fmt}", background="1")
    tasks.run_export(officer)
    assert "reporter_phone" in Job.objects.get(pk=officer).columns
    assert leaks(plain(download(clients["feedback_officer"], officer), fmt), [SECRETS[1]])


def test_only_the_owner_sees_the_status_and_the_file(world, clients, sent):
    job = start(clients["urban_staff"], "/api/layers/parcels/export.csv", background="1")
    tasks.run_export(job)
    for who in ("anonymous", "planner", "operator", "admin"):
        assert clients[who].get(f"/api/jobs/{job}/").status_code == 404, who
        response = clients[who].get(f"/api/jobs/{job}/download/")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", who
    assert clients["urban_staff"].get("/api/jobs/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert clients["urban_staff"].get(f"/api/jobs/{job}/download/").status_code == 200


def test_permissions_are_checked_again_when_the_job_runs_and_at_download(world, clients, users, sent):
    staff, user = clients["urban_staff"], users["urban_staff"]
    ready = start(staff, "/api/layers/parcels/export.csv", background="1")
    tasks.run_export(ready)
    waiting = start(staff, "/api/layers/parcels/export.csv", background="1")
    user.groups.remove(Group.objects.get(name=roles.URBAN_STAFF))
    # The file holds holder_name, which its owner may no longer see: gone.
    assert staff.get(f"/api/jobs/{ready}/download/").status_code == 404
    # Parcels stay public: the job written now has the public columns only.
    assert tasks.run_export(waiting) == "done"
    assert "holder_name" not in Job.objects.get(pk=waiting).columns
    assert not leaks(download(staff, waiting), [SECRETS[0]])

    planner, reader = clients["planner"], users["planner"]
    hidden = start(planner, "/api/layers/signal-measurements/export.csv", background="1")
    reader.groups.remove(Group.objects.get(name=roles.PLANNER))
    assert tasks.run_export(hidden) == "failed"
    body = status(planner, hidden)
    assert body["status"] == "failed" and body["error_code"] == "not_found" and "signal-measurements" in body["error"]
    assert not list((Path(django_settings.DATA_DIR) / "exports").glob(f"{hidden}*"))


def test_the_row_cap_and_the_users_language(world, clients, sent, settings):
    settings.GEOPLATFORM_EXPORT_JOB_MAX_ROWS = 1
    response = clients["planner"].get("/api/layers/villages/export.csv", {"background": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    job = response.json()["job"]
    assert Job.objects.get(pk=job).language == "en"
    assert tasks.run_export(job) == "failed"
    body = status(clients["planner"], job)
    assert body["error_code"] == "too_large"
    assert body["error"] == "More than 1 features match: narrow the export with bbox or filters"
    vietnamese = start(clients["planner"], "/api/layers/villages/export.csv", background="1")
    tasks.run_export(vietnamese)
    assert status(clients["planner"], vietnamese)["error"].startswith("Hơn 1 đối tượng khớp điều kiện")


def test_files_expire_and_the_sweep_removes_them(world, clients, sent, settings):
    settings.GEOPLATFORM_JOB_FILE_TTL_S = 3600
    job = start(clients["planner"], "/api/layers/villages/export.kml", background="1")
    before = timezone.now()
    tasks.run_export(job)
    record = Job.objects.get(pk=job)
    assert before + timedelta(minutes=59) < record.expires_at < timezone.now() + timedelta(minutes=61)
    path = Path(django_settings.DATA_DIR) / record.file
    assert path.is_file()
    assert tasks.sweep() == {"expired": 0, "resent": 0}
    Job.objects.filter(pk=job).update(expires_at=timezone.now() - timedelta(seconds=1))
    # Past its time the file is not served even before the sweep.
    assert clients["planner"].get(f"/api/jobs/{job}/download/").status_code == 404
    assert tasks.sweep()["expired"] == 1
    assert not path.exists()
    body = status(clients["planner"], job)
    assert body["status"] == "expired" and body["download_url"] is None


def test_the_sweep_resends_jobs_the_broker_never_got(world, clients, sent):
    job = start(clients["planner"], "/api/layers/villages/export.csv", background="1")
    Job.objects.filter(pk=job).update(created_at=timezone.now() - timedelta(minutes=10))
    assert tasks.sweep() == {"expired": 0, "resent": 1}
    assert sent[-1] == ("layers.jobs.tasks.run_export", job)


def test_running_the_same_export_task_twice_does_nothing_the_second_time(world, clients, sent):
    job = start(clients["planner"], "/api/layers/villages/export.csv", background="1")
    assert tasks.run_export(job) == "done"
    first = Job.objects.get(pk=job)
    path = Path(django_settings.DATA_DIR) / first.file
    stamp = path.stat().st_mtime_ns
    assert tasks.run_export(job) is None
    again = Job.objects.get(pk=job)
    assert (again.status, again.finished_at, again.rows) == ("done", first.finished_at, 3)
    assert path.stat().st_mtime_ns == stamp
    # A job whose worker died (running past the hard limit) is taken over once.
    Job.objects.filter(pk=job).update(status="running", started_at=timezone.now() - timedelta(hours=2))
    assert tasks.run_export(job) == "done" and tasks.run_export(job) is None
    assert services.claim(job) is None


def test_a_real_worker_runs_the_export(transactional_db, world, clients, celery_worker_process):
    import time

    job = start(clients["planner"], "/api/layers/villages/export.geojson", background="1")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and status(clients["planner"], job)["status"] in ("queued", "running"):
        time.sleep(0.3)
    body = status(clients["planner"], job)
    assert (body["status"], body["rows"]) == ("done", 3), body
    assert len(json.loads(download(clients["planner"], job))["features"]) == 3


def test_one_user_has_at_most_three_jobs_waiting(world, clients, sent):
    for _ in range(3):
        start(clients["planner"], "/api/layers/villages/export.csv", background="1")
    response = clients["planner"].get("/api/layers/villages/export.csv", {"background": "1"})
    assert response.status_code == 429 and response.json()["error"]["code"] == "too_many_jobs"
    tasks.run_export(Job.objects.filter(status="queued").first().pk)
    start(clients["planner"], "/api/layers/villages/export.csv", background="1")
