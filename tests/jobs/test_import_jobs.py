"""Large imports as background jobs: the upload kept under DATA_DIR/imports, the report from the status URL."""

import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from layers.jobs import services, tasks
from layers.jobs.models import Job
from layers.parcels.models import Parcel
from tests.ingest.conftest import square, write_ogr
from tests.ingest.test_import_service import BOW_TIE_REASON, BOW_TIE_REASON_EN, parcels_with_bow_tie

URL = "/api/layers/{}/import/"


def upload(client, slug, path, query="", **data):
    with open(path, "rb") as handle:
        return client.post(URL.format(slug) + query, {"file": handle, **data}, **data.pop("headers", {}))


def accepted(response) -> str:
    assert response.status_code == 202, response.content[:300]
    body = response.json()
    assert set(body) == {"job", "status", "status_url"} and body["status"] == "queued"
    assert response["Location"] == body["status_url"]
    return body["job"]


def many_parcels(path: Path, count: int) -> Path:
    """A real GeoPackage of ``count`` valid parcels."""
    geoms = [square(108.2 + (i % 100) * 0.0015, 15.3 + (i // 100) * 0.0015) for i in range(count)]
    columns = {
        "map_sheet": ["7"] * count,
        "parcel_number": [str(i + 1) for i in range(count)],
        "land_use_code": ["ODT"] * count,
    }
    return write_ogr(path, geoms, columns, driver="GPKG", crs="EPSG:4326", geometry_type="Polygon")


def test_background_import_keeps_the_upload_and_the_task_reports(db, client, users, sent, tmp_path):
    client.force_login(users["urban_staff"])
    path = parcels_with_bow_tie(tmp_path / "p.geojson")
    job = accepted(upload(client, "parcels", path, "?background=1", mode="valid-only"))
    kept = Path(django_settings.DATA_DIR) / "imports" / job / "upload.geojson"
    assert kept.read_bytes() == path.read_bytes()
    assert Parcel.objects.count() == 0
    record = Job.objects.get(pk=job)
    assert (record.kind, record.user, record.params["mode"], record.params["name"]) == (
        "import",
        users["urban_staff"],
        "valid-only",
        "p.geojson",
    )

    assert tasks.run_import(job) == "done"
    body = client.get(f"/api/jobs/{job}/").json()
    assert (body["status"], body["rows"], body["download_url"]) == ("done", 2, None)
    report = body["report"]
    assert (report["written"], report["accepted"], report["read"]) == (2, 2, 3)
    assert report["rejected"] == [{"row": 2, "reason": BOW_TIE_REASON}]
    assert Parcel.objects.filter(updated_by=users["urban_staff"]).count() == 2
    assert not kept.parent.exists()  # the upload is removed once the job is finished
    # A second delivery of the finished job does nothing.
    assert tasks.run_import(job) is None
    assert Parcel.objects.count() == 2 and client.get(f"/api/jobs/{job}/").json()["report"] == report


def test_a_refused_import_job_reports_why_in_the_users_language(db, client, users, sent, tmp_path):
    client.force_login(users["urban_staff"])
    path = parcels_with_bow_tie(tmp_path / "p.geojson")
    with open(path, "rb") as handle:
        response = client.post(URL.format("parcels") + "?background=1", {"file": handle}, HTTP_ACCEPT_LANGUAGE="en")
    job = accepted(response)
    assert tasks.run_import(job) == "failed"
    body = client.get(f"/api/jobs/{job}/").json()
    assert body["status"] == "failed" and body["error_code"] == "import_rejected"
    assert body["error"] == "1 of 3 rows rejected; nothing written (mode all: all or nothing)"
    assert body["report"]["rejected"] == [{"row": 2, "reason": BOW_TIE_REASON_EN}]
    assert Parcel.objects.count() == 0


def test_files_above_the_feature_count_become_jobs(db, client, users, sent, settings, tmp_path):
    client.force_login(users["urban_staff"])
    path = many_parcels(tmp_path / "many.gpkg", 30)
    assert services.count_features(path) == 30
    settings.GEOPLATFORM_IMPORT_BACKGROUND_ABOVE = 50
    assert upload(client, "parcels", path).status_code == 201  # small: written in the request, as before
    Parcel.objects.all().delete()
    settings.GEOPLATFORM_IMPORT_BACKGROUND_ABOVE = 20
    job = accepted(upload(client, "parcels", path))
    assert Parcel.objects.count() == 0
    assert tasks.run_import(job) == "done"
    assert Parcel.objects.count() == 30 and client.get(f"/api/jobs/{job}/").json()["report"]["written"] == 30


def test_other_users_see_no_import_job(db, client, users, sent, tmp_path):
    client.force_login(users["urban_staff"])
    job = accepted(upload(client, "parcels", parcels_with_bow_tie(tmp_path / "p.geojson"), "?background=1"))
    client.force_login(users["admin"])
    assert client.get(f"/api/jobs/{job}/").status_code == 404
    client.logout()
    assert client.get(f"/api/jobs/{job}/").status_code == 404
    # Without the edit role there is no job at all.
    client.force_login(users["planner"])
    response = upload(client, "parcels", parcels_with_bow_tie(tmp_path / "q.geojson"), "?background=1")
    assert response.status_code == 403 and Job.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_import_once(users, sent, tmp_path):
    from django.test import Client

    client = Client()
    client.force_login(users["urban_staff"])
    path = many_parcels(tmp_path / "many.gpkg", 200)
    job = accepted(upload(client, "parcels", path, "?background=1"))
    outcomes = []

    def deliver():
        try:
            outcomes.append(tasks.run_import(job))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes, key=str) == [None, "done"]
    assert Parcel.objects.count() == 200
    assert Job.objects.get(pk=job).report["written"] == 200
