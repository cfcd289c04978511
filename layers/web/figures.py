"""The leaders' dashboard figures, each one a query on the layers (never a stored number)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDay, TruncWeek
from django.utils import timezone

from layers.cameras.models import Camera
from layers.crossings import figures as crossing_figures
from layers.feedback.models import Complaint
from layers.fire.models import Hotspot
from layers.places.models import Commune, Village
from layers.telecom.models import OPERATORS, CoverageGap, CoverageRun, VillageCoverage, WifiPoint

from .feeds import summary as feed_summary

CLOSED_COMPLAINT_STATES = ("resolved", "rejected", "closed")
ACTIVE_ALERT_STATES = ("new", "acknowledged", "dispatched")
LOCAL_TZ = "Asia/Ho_Chi_Minh"


BROADBAND = ("3G", "4G")


def latest_coverage_run() -> CoverageRun | None:
    """The coverage app's newest succeeded real run (what-if runs of planned sites left out), or None."""
    # One rule for the dashboard and the coverage page: the telecom app decides what a real run is.
    from layers.telecom.coverage import latest_real_run

    return latest_real_run()


def _covered_in_run(run: CoverageRun, technologies=None):
    """Subquery: the village has status "covered" from some operator (and one of these technologies) in the run."""
    statuses = VillageCoverage.objects.filter(run=run, village=OuterRef("pk"), status="covered")
    if technologies:
        statuses = statuses.filter(technology__in=technologies)
    return Exists(statuses)


def _no_signal(operator: str):
    """Subquery: the village point lies in a "no signal" gap of this operator (any technology)."""
    return Exists(CoverageGap.objects.filter(operator=operator, severity="none", geom__contains=OuterRef("geom")))


def uncovered_villages():
    """Villages with no mobile signal from any operator: inside a severity "none" gap of every operator."""
    qs = Village.objects.all()
    for code, _label in OPERATORS:
        qs = qs.filter(_no_signal(code))
    return qs


def covered_villages(run: CoverageRun | None = None):
    """The villages counted as having mobile coverage, and the basis of the count.

    With a coverage run (the coverage app's village statuses), a village is covered when some
    operator's 3G or 4G reaches it with status "covered": the district's "3G/4G reaches ~97% of
    villages" indicator. Without a run, the coverage-gaps layer decides: covered unless it lies in
    a "no signal" gap of every operator. With neither, the figure is unknown (None).
    """
    run = run if run is not None else latest_coverage_run()
    if run is not None:
        return Village.objects.filter(_covered_in_run(run, BROADBAND)), "run", run
    if CoverageGap.objects.exists():
        return Village.objects.exclude(pk__in=uncovered_villages().values("pk")), "gaps", None
    return None, None, None


def _ratio(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def coverage(counted=None) -> dict:
    """Villages with mobile coverage: covered, total, percent, and where the count comes from.

    ``counted`` is covered_villages()'s answer when the caller already has it (one lookup per page).
    """
    total = Village.objects.count()
    covered_qs, basis, run = counted or covered_villages()
    if covered_qs is None:
        return {"covered": None, "total": total, "percent": None, "basis": None, "run": None}
    covered = covered_qs.count()
    out = {"covered": covered, "total": total, "percent": _ratio(covered, total), "basis": basis, "run": None}
    if run is not None:
        # Any network, 2G included: shown beside the 3G/4G figure.
        any_network = Village.objects.filter(_covered_in_run(run)).count()
        out.update(run=run.pk, covered_any_network=any_network)
    return out


def coverage_by_commune(counted=None) -> list[dict]:
    """Covered and total villages per commune (for the chart), by the same rule as coverage()."""
    covered_qs, _basis, _run = counted or covered_villages()
    covered = {}
    if covered_qs is not None:
        covered = dict(
            covered_qs.order_by().values("commune__name").annotate(n=Count("pk")).values_list("commune__name", "n")
        )
    rows = Commune.objects.annotate(total=Count("villages")).values_list("name", "total").order_by("name")
    return [
        {"commune": name, "total": total, "covered": covered.get(name, 0) if covered_qs is not None else None}
        for name, total in rows
    ]


def wifi_cultural_houses() -> dict:
    """Village cultural houses with public Wi-Fi: an active cultural-house WifiPoint linked to the village."""
    houses = Village.objects.filter(has_cultural_house=True)
    wifi = WifiPoint.objects.filter(village=OuterRef("pk"), site_kind="cultural_house", status="active")
    with_wifi = houses.filter(Exists(wifi)).count()
    total = houses.count()
    return {"with_wifi": with_wifi, "total": total, "percent": _ratio(with_wifi, total)}


def _fire_event_model():
    """fire.FireEvent once the fire theme has it, else None."""
    try:
        model = apps.get_model("fire", "FireEvent")
        model._meta.get_field("alert_state")
    except (LookupError, FieldDoesNotExist):
        return None
    return model


def fire_alerts(now=None) -> dict:
    """Active fire alerts (FireEvent in new/acknowledged/dispatched), or hotspots of the last 24 h without it."""
    now = now or timezone.now()
    model = _fire_event_model()
    if model is not None:
        return {"count": model.objects.filter(alert_state__in=ACTIVE_ALERT_STATES).count(), "basis": "events"}
    count = Hotspot.objects.filter(acquired_at__gte=now - timedelta(hours=24), acquired_at__lte=now).count()
    return {"count": count, "basis": "hotspots_24h"}


def _has_expected_at() -> bool:
    try:
        Complaint._meta.get_field("expected_at")
    except FieldDoesNotExist:
        return False
    return True


def open_complaints():
    """Complaints not yet resolved, rejected or closed."""
    return Complaint.objects.exclude(status__in=CLOSED_COMPLAINT_STATES)


def complaints(now=None) -> dict:
    """Open and overdue complaints, in total and per commune (overdue needs Complaint.expected_at)."""
    now = now or timezone.now()
    has_deadline = _has_expected_at()
    overdue_q = Q(expected_at__lt=now) if has_deadline else Q(pk__in=[])
    rows = (
        open_complaints()
        .values("commune__name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue_q))
        .order_by("commune__name")
    )
    by_commune = [{"commune": r["commune__name"], "open": r["open"], "overdue": r["overdue"]} for r in rows]
    return {
        "open": sum(r["open"] for r in by_commune),
        "overdue": sum(r["overdue"] for r in by_commune) if has_deadline else None,
        "deadline_known": has_deadline,
        "by_commune": by_commune,
    }


def cameras() -> dict:
    """Cameras offline out of all cameras: offline as the health checks found (layers.cameras), not a stored flag."""
    from layers.cameras import uptime as camera_uptime

    offline = Q(device__enabled=True, device__status="offline")
    agg = Camera.objects.aggregate(total=Count("pk"), offline=Count("pk", filter=offline))
    share = camera_uptime.overall()["24h"]["uptime"]
    uptime_24h = round(share * 100, 1) if share is not None else None
    return {"offline": agg["offline"], "total": agg["total"], "uptime_24h": uptime_24h}


def feeds(limit: int = 12) -> list[dict]:
    """The ingestion feeds, fire feeds and rasters first, one row each with its newest run (layers.web.feeds)."""
    return feed_summary(limit)


def hotspots_per_day(days: int = 14, now=None) -> list[dict]:
    """Hotspot detections per local day over the last ``days`` days (zero days included)."""
    now = now or timezone.now()
    tz = ZoneInfo(LOCAL_TZ)
    start_day = (now.astimezone(tz) - timedelta(days=days - 1)).date()
    counts = dict(
        Hotspot.objects.filter(acquired_at__gte=now - timedelta(days=days), acquired_at__lte=now)
        .annotate(day=TruncDay("acquired_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    by_date = {day.date(): n for day, n in counts.items()}
    out = []
    for i in range(days):
        d = start_day + timedelta(days=i)
        out.append({"day": d.isoformat(), "count": by_date.get(d, 0)})
    return out


def complaints_per_week(weeks: int = 8, now=None) -> list[dict]:
    """Complaints received per local ISO week over the last ``weeks`` weeks (zero weeks included)."""
    now = now or timezone.now()
    tz = ZoneInfo(LOCAL_TZ)
    local_today = now.astimezone(tz).date()
    this_monday = local_today - timedelta(days=local_today.weekday())
    first_monday = this_monday - timedelta(weeks=weeks - 1)
    counts = (
        Complaint.objects.filter(created_at__gte=datetime.combine(first_monday, time.min, tz), created_at__lte=now)
        .annotate(week=TruncWeek("created_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    )
    by_week = {week.date(): n for week, n in counts}
    mondays = [first_monday + timedelta(weeks=i) for i in range(weeks)]
    return [{"week": monday.isoformat(), "count": by_week.get(monday, 0)} for monday in mondays]


def all_figures(now=None) -> dict:
    """Every dashboard figure in one dict (the body of /dashboard/figures.json)."""
    now = now or timezone.now()
    counted = covered_villages()
    return {
        "generated_at": now.isoformat(),
        "coverage": coverage(counted),
        "coverage_by_commune": coverage_by_commune(counted),
        "wifi": wifi_cultural_houses(),
        "fire_alerts": fire_alerts(now),
        "complaints": complaints(now),
        "cameras": cameras(),
        "crossings": crossing_figures.summary(now),
        "feeds": feeds(),
        "hotspots_per_day": hotspots_per_day(now=now),
        "complaints_per_week": complaints_per_week(now=now),
    }
