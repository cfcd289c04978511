"""Dashboard figures: each is a query on the layers, checked against the synthetic district."""

from datetime import timedelta

import pytest
from django.utils import timezone

from layers.feedback.models import Complaint
from layers.telecom import coverage as telecom_coverage
from layers.telecom.models import CoverageGap
from layers.web import figures

from .district import add_coverage_run


def test_coverage_counts_a_village_uncovered_only_when_every_operator_has_no_signal(district):
    # a: "none" gaps of all three operators; c: two operators "none", MobiFone only "weak".
    # No coverage run yet: the coverage-gaps layer decides.
    assert figures.coverage() == {"covered": 3, "total": 4, "percent": 75.0, "basis": "gaps", "run": None}
    by_commune = {row["commune"]: row for row in figures.coverage_by_commune()}
    assert by_commune["Xã Tây Sơn"] == {"commune": "Xã Tây Sơn", "total": 2, "covered": 1}
    assert by_commune["Xã Đông Giang"]["covered"] == 2


def test_coverage_comes_from_the_latest_real_run_of_the_coverage_app(district):
    v = district["villages"]
    add_coverage_run(v, {key: {("viettel", "4G")} for key in v})  # older: all covered
    run = add_coverage_run(v, {"a": {("viettel", "2G")}, "b": {("vnpt", "3G")}, "c": {("mobifone", "4G")}})
    add_coverage_run(v, {key: {("viettel", "4G")} for key in v}, what_if=True)  # planned sites: ignored
    add_coverage_run(v, {}, status="failed")
    result = figures.coverage()
    # 3G/4G: b and c; any network (2G too): a, b, c. d is covered by nothing.
    expected = {"covered": 2, "total": 4, "percent": 50.0, "basis": "run", "run": run.pk, "covered_any_network": 3}
    assert result == expected
    # The same counts as the coverage app's own figures of that run.
    theirs = telecom_coverage.figures(run)
    assert (result["covered"], result["covered_any_network"]) == (theirs["covered_by_3g4g"], theirs["covered_by_any"])
    by_commune = {row["commune"]: (row["covered"], row["total"]) for row in figures.coverage_by_commune()}
    assert by_commune == {"Xã Tây Sơn": (1, 2), "Xã Đông Giang": (1, 2)}


def test_coverage_is_unknown_without_a_run_or_a_gap_layer(district):
    CoverageGap.objects.all().delete()
    assert figures.coverage() == {"covered": None, "total": 4, "percent": None, "basis": None, "run": None}
    assert {row["covered"] for row in figures.coverage_by_commune()} == {None}


def test_wifi_counts_active_cultural_house_points_linked_to_villages_with_a_house(district):
    # b: active cultural-house point; a: only planned; c: a school point; d: no cultural house.
    assert figures.wifi_cultural_houses() == {"with_wifi": 1, "total": 3, "percent": 33.3}


def test_fire_alerts_are_open_fire_events(district):
    assert figures.fire_alerts() == {"count": 2, "basis": "events"}


def test_complaints_open_and_overdue_by_commune(district):
    result = figures.complaints()
    assert result["open"] == 3
    if result["deadline_known"]:
        assert result["overdue"] == 2
        rows = {r["commune"]: (r["open"], r["overdue"]) for r in result["by_commune"]}
        assert rows == {"Xã Tây Sơn": (1, 1), "Xã Đông Giang": (2, 1)}
    Complaint.objects.filter(tracking_code="BTM-0001").update(status="closed")
    assert figures.complaints()["open"] == 2


def test_cameras_offline(district):
    # No health check has run in the fixture, so no uptime is known yet (never a made-up 100 %).
    assert figures.cameras() == {"offline": 2, "total": 3, "uptime_24h": None}


def test_time_series_count_every_row_in_their_window(district):
    days = figures.hotspots_per_day(days=14)
    assert len(days) == 14 and sum(d["count"] for d in days) == 5
    # Seen from four days on, every hotspot is older than 2 days: an all-zero window.
    later = timezone.now() + timedelta(days=4)
    assert sum(d["count"] for d in figures.hotspots_per_day(days=2, now=later)) == 0
    weeks = figures.complaints_per_week(weeks=8)
    assert len(weeks) == 8 and sum(w["count"] for w in weeks) == 4


def _run(kind, source, status, hours_ago, **fields):
    from ingest.models import IngestRun

    run = IngestRun.objects.create(kind=kind, source=source, status=status, **fields)
    IngestRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - timedelta(hours=hours_ago),
        finished_at=timezone.now() - timedelta(hours=hours_ago) if status != "running" else None,
    )
    return run


def test_feeds_put_fire_feeds_and_rasters_first_and_sum_up_layer_imports(district):
    for i in range(25):
        _run("vector-import", "import:parcels", "succeeded", 0.1 * (i + 1), rows_new=3)
    _run("vector-import", "import:no-such-layer", "failed", 0.05, message="no layer")
    _run("firms", "MODIS_NRT", "succeeded", 6, rows_new=9)
    _run("fire-mask", "fire-mask", "succeeded", 5, rows_new=2)
    feeds = figures.feeds()
    assert [(f["kind"], f["source"]) for f in feeds] == [
        ("firms", ""),  # the district's "FIRMS" feed, just run: its source repeats the kind
        ("firms", "MODIS · gần thời gian thực"),
        ("fire-mask", ""),
        ("dem", ""),
        ("vector-import", "no-such-layer"),  # failed: before the working imports
        ("vector-import", "Thửa đất đô thị"),
    ]
    parcels = feeds[-1]
    assert parcels["runs"] == 25 and parcels["kind_label"] == "Nhập lớp bản đồ"
    assert parcels["link"] == "/map/?layers=parcels"
    assert feeds[-2]["link"] is None and feeds[-2]["reason"] == "no layer"
    assert feeds[0]["link"] == "/map/?layers=fire-hotspots&time=7d"
    assert feeds[2]["link"] == "/map/?layers=fire-hotspots&time=7d"
    assert feeds[3]["link"] is None  # the DEM fills no layer: it shades the base map


def test_a_failed_feed_says_why_and_when_it_last_worked(district):
    ok = _run("firms", "VIIRS_NOAA20_NRT", "succeeded", 30, rows_new=4)
    _run("firms", "VIIRS_NOAA20_NRT", "failed", 1, message="FIRMS trả lời 503")
    row = next(f for f in figures.feeds() if f["source"] == "VIIRS NOAA-20 · gần thời gian thực")
    ok.refresh_from_db()
    assert (row["status"], row["status_label"], row["reason"]) == ("failed", "Thất bại", "FIRMS trả lời 503")
    assert row["last_succeeded_at"] == ok.finished_at.isoformat() and row["runs"] == 2


def test_rejected_rows_are_counted_in_words_with_an_example(district):
    rejected = [{"row": 3, "reason": "bad date"}] * 1500
    _run("signal", "drive_test", "succeeded", 2, rows_new=10, rows_rejected=1500, rejected=rejected)
    row = next(f for f in figures.feeds() if f["kind"] == "signal")
    assert row["reason"] == "1.500 dòng bị loại, ví dụ dòng 3: bad date"
    assert row["kind_label"] == "Đo sóng di động" and row["link"] == "/map/?layers=signal-measurements"


def test_a_long_failure_message_is_cut_and_an_empty_one_said_in_words(district):
    _run("flood", "Sentinel-1", "failed", 1, message="x" * 5000)
    _run("towers", "carrier", "failed", 1, message="")
    by_kind = {f["kind"]: f for f in figures.feeds()}
    assert by_kind["flood"]["reason"] == "x" * 300 + "…"
    assert by_kind["towers"]["reason"] == "không rõ lý do"


def test_a_dry_run_import_is_no_run_of_the_feed(district):
    _run("vector-import", "import:parcels", "succeeded", 3, rows_new=7, params={"dry_run": False})
    _run("vector-import", "import:parcels", "failed", 1, message="preview refused", params={"dry_run": True})
    parcels = next(f for f in figures.feeds() if f["kind"] == "vector-import")
    assert (parcels["status"], parcels["rows_new"], parcels["runs"]) == ("succeeded", 7, 1)


@pytest.mark.parametrize(
    "source,vi,en",
    [
        ("VIIRS_SNPP_NRT", "VIIRS Suomi NPP · gần thời gian thực", "VIIRS Suomi NPP · near real time"),
        ("MODIS_SP", "MODIS · sản phẩm chuẩn", "MODIS · standard product"),
        ("drive_test", "đo sóng trên đường", "drive test"),
        ("my-upload.csv", "my-upload.csv", "my-upload.csv"),
    ],
)
def test_feed_sources_are_words_not_codes(source, vi, en):
    from django.utils import translation

    from layers.web import feeds

    with translation.override("vi"):
        assert feeds.source_label(source) == vi
    with translation.override("en"):
        assert feeds.source_label(source) == en
