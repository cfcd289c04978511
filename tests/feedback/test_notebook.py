"""notebooks/feedback.ipynb runs on an export the test makes and agrees with the stats service."""

import json
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.utils import timezone

from layers.feedback import export, stats
from layers.feedback.models import Complaint
from tests import notebooks


def make(code, category, commune, created, expected, acknowledged=None, resolved=None, status="received"):
    return Complaint.objects.create(
        tracking_code=code,
        category=category,
        description='=HYPERLINK("http://x","y") rác',
        status=status,
        created_at=created,
        expected_at=expected,
        acknowledged_at=acknowledged,
        resolved_at=resolved,
        commune=commune,
        reporter_phone="0900000001",
        geom=Point(108.2, 15.35, srid=4326),
    )


def test_notebook_reproduces_the_statistics(district, tmp_path, monkeypatch):
    now = timezone.now().replace(microsecond=0)
    t0 = now - timedelta(days=10)
    town, son = district["town"], district["son"]
    make(
        "PA-A", "rubbish", town, t0, t0 + timedelta(days=3), t0 + timedelta(hours=2), t0 + timedelta(days=1), "resolved"
    )
    make(
        "PA-B", "rubbish", son, t0, t0 + timedelta(days=3), t0 + timedelta(hours=6), t0 + timedelta(days=5), "resolved"
    )
    make("PA-C", "landslide", son, t0, t0 + timedelta(hours=3))  # open and overdue
    csv_path = tmp_path / "complaints.csv"
    csv_path.write_text("\ufeff" + export.complaints_csv(Complaint.objects.all(), with_contact=False), encoding="utf-8")
    assert "0900000001" not in csv_path.read_text(encoding="utf-8")
    monkeypatch.setenv("FEEDBACK_CSV", str(csv_path))
    monkeypatch.setenv("FEEDBACK_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("FEEDBACK_NOW", now.isoformat())
    notebooks.execute("feedback.ipynb", cwd=tmp_path)
    result = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert (tmp_path / "out" / "by_month.png").stat().st_size > 1000
    service = stats.summary(now=now)
    assert result["total"] == service["total"]["volume"] == 3
    assert result["open"] == service["open"] == 1
    for row in service["by_category"]:
        mine = result["by_category"][row["key"]]
        assert mine["volume"] == row["volume"]
        assert mine["median_response_hours"] == row["median_response_hours"]
        assert mine["on_time_percent"] == row["on_time_percent"]
    assert result["by_category"]["rubbish"]["median_response_hours"] == 4.0
    assert result["by_category"]["rubbish"]["on_time_percent"] == 50.0
    assert result["by_category"]["landslide"]["late"] == 1
