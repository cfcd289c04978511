"""Planner pages and JSON endpoints of coverage: runs, progress, comparison, calibration, plans."""

from __future__ import annotations

import json

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from geoplatform.errors import Forbidden, NotFound, PlatformError
from layers import roles
from layers.web import basemap

from . import calibration, coverage, siteplans
from .models import CalibrationResult, CoverageRun, SitePlan, VillageCoverage

READERS = frozenset({roles.PLANNER}) | roles.READ_ALL
MAX_BODY = 64 * 1024


class BadRequest(PlatformError):
    """A request body that is not the JSON object expected."""

    code = "bad_request"


def _require(request) -> None:
    if not request.user.is_authenticated:
        raise Forbidden("log in as a planner", field=None, status=401, code="not_authenticated")
    if not roles.of(request.user) & READERS:
        raise Forbidden("coverage planning is for planners")


def _body(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise BadRequest("request body too large", status=413, code="too_large")
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest("the body is not JSON") from exc
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _run(run_id: int) -> CoverageRun:
    run = CoverageRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"no coverage run {run_id}")
    return run


def _run_json(run: CoverageRun) -> dict:
    return {
        "id": run.pk,
        "status": run.status,
        "what_if": run.what_if,
        "progress": run.progress,
        "message": run.message,
        "parameters": run.parameters,
        "summary": run.summary,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def page(request):
    """The planner page: runs with a compute button, village figures, calibration and comparison."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _require(request)
    runs = list(CoverageRun.objects.order_by("-created_at")[:20])
    latest = next((r for r in runs if r.status == "succeeded"), None)
    context = {
        "runs": runs,
        "latest": latest,
        "figures": coverage.figures(latest) if latest else None,
        "calibrations": CalibrationResult.objects.filter(run=latest).order_by("operator", "technology")
        if latest
        else [],
        "plans": SitePlan.objects.select_related("base_run")[:5],
        "wifi": siteplans.wifi_priorities(limit=15),
        "basemap": basemap.client_config(),
    }
    return render(request, "telecom/coverage.html", context)


@require_POST
def start_run(request):
    """Queue a coverage run (JSON body: parameters, all optional); 202 with the run."""
    _require(request)
    run = coverage.start(_body(request).get("parameters") or {}, user=request.user)
    return JsonResponse(_run_json(run), status=202)


@require_GET
def run_detail(request, run_id: int):
    """A run's status, progress per tower, parameters and summary."""
    _require(request)
    return JsonResponse(_run_json(_run(run_id)))


@require_GET
def run_villages(request, run_id: int):
    """GeoJSON of a run's village statuses (filter by ?operator= and ?technology=)."""
    _require(request)
    rows = VillageCoverage.objects.filter(run=_run(run_id)).select_related("village", "village__commune")
    for key in ("operator", "technology"):
        if request.GET.get(key):
            rows = rows.filter(**{key: request.GET[key][:20]})
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r.geom.x, r.geom.y]},
            "properties": {
                "village": r.village.name,
                "commune": r.village.commune.name,
                "population": r.village.population,
                "operator": r.operator,
                "technology": r.technology,
                "status": r.status,
                "best_dbm": r.best_dbm,
                "serving": r.serving_label,
                "reason_code": r.reason_code,
                "reason": r.reason,
            },
        }
        for r in rows[:5000]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@require_GET
def compare(request):
    """Village statuses that differ between runs ?a= and ?b=."""
    _require(request)
    try:
        a, b = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
    except ValueError as exc:
        raise BadRequest("give two run ids: ?a=&b=", field="a") from exc
    return JsonResponse(coverage.compare(_run(a), _run(b)))


@require_POST
def calibrate(request, run_id: int):
    """Calibrate a finished run against the measurements; the figures and fitted offsets."""
    _require(request)
    with transaction.atomic():
        results = calibration.calibrate(_run(run_id))
    return JsonResponse(
        {
            "run": run_id,
            "results": [
                {
                    "operator": r.operator,
                    "technology": r.technology,
                    "measurements": r.measurements,
                    "reports": r.reports,
                    "mean_error_db": r.mean_error_db,
                    "rmse_db": r.rmse_db,
                    "hit_rate": r.hit_rate,
                    "offset_db": r.offset_db,
                }
                for r in results
            ],
            "offsets": calibration.offsets(results),
        }
    )


@require_POST
def plan(request):
    """Choose k new sites (JSON: k, operator, technology, candidates); queues the what-if run."""
    _require(request)
    body = _body(request)
    k = body.get("k", 3)
    if not isinstance(k, int) or isinstance(k, bool):
        raise BadRequest("k must be a whole number", field="k")
    answer = siteplans.plan(
        k,
        operator=str(body.get("operator", "viettel")),
        technology=str(body.get("technology", "4G")),
        candidates=body.get("candidates", "hilltops"),
    )
    sites = [
        {
            "rank": s.rank,
            "name": s.name,
            "lon": s.geom.x,
            "lat": s.geom.y,
            "elevation_m": s.elevation_m,
            "population_added": s.population_added,
            "villages": s.villages_added,
        }
        for s in answer.candidates.filter(rank__isnull=False).order_by("rank")
    ]
    return JsonResponse(
        {
            "id": answer.pk,
            "population_added": answer.population_added,
            "upper_bound": answer.upper_bound,
            "what_if_run": answer.what_if_run_id,
            "sites": sites,
        },
        status=201,
    )


@require_GET
def wifi(request):
    """Cultural houses without Wi-Fi ranked by the households served."""
    _require(request)
    return JsonResponse({"results": siteplans.wifi_priorities()})
