"""Planner pages and JSON endpoints of coverage: runs, progress, comparison, calibration, plans."""

from __future__ import annotations

import json

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from geoplatform.errors import Forbidden, NotFound, PlatformError
from layers import roles
from layers.web import basemap

from . import calibration, coverage, labels, parameters, siteplans
from .models import CalibrationResult, CellTower, CoverageGap, CoverageRun, SitePlan, VillageCoverage

READERS = frozenset({roles.PLANNER}) | roles.READ_ALL
MAX_BODY = 64 * 1024


class BadRequest(PlatformError):
    """A request body that is not the JSON object expected."""

    code = "bad_request"


def _require(request) -> None:
    if not request.user.is_authenticated:
        message = _("Hãy đăng nhập bằng tài khoản cán bộ quy hoạch.")
        raise Forbidden(message, field=None, status=401, code="not_authenticated")
    if not roles.of(request.user) & READERS:
        raise Forbidden(_("Chỉ cán bộ quy hoạch mới dùng được phần quy hoạch vùng phủ sóng."))


def _body(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise BadRequest(_("Nội dung gửi lên quá lớn."), status=413, code="too_large")
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(_("Nội dung gửi lên không phải JSON.")) from exc
    if not isinstance(data, dict):
        raise BadRequest(_("Nội dung gửi lên phải là một đối tượng JSON."))
    return data


def _run(run_id: int) -> CoverageRun:
    run = CoverageRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("Không có lần tính vùng phủ số %(id)s.") % {"id": run_id})
    return run


def _run_json(run: CoverageRun) -> dict:
    return {
        "id": run.pk,
        "status": run.status,
        "what_if": coverage.is_what_if(run),
        "label": labels.run_label(run),
        "progress": run.progress,
        "progress_text": labels.run_progress(run),
        "message": run.message,
        "parameters": run.parameters,
        "summary": run.summary,
        "planned_sites": [
            {"name": labels.site(s.get("name", "")), "lon": s["lon"], "lat": s["lat"]}
            for s in (run.parameters or {}).get("extra_sites", [])
        ],
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def _headline(run: CoverageRun | None) -> dict | None:
    """The page's headline figures, from the newest real run, written for reading."""
    if run is None:
        return None
    fig = coverage.figures(run)
    per = [
        {"network": labels.network(*key.split("/")), **counts} for key, counts in fig["per_operator_technology"].items()
    ]
    return {
        **fig,
        "run_time": labels.local_time(run.created_at),
        "share_3g4g_text": labels.percent(fig["share_covered_by_3g4g"]),
        "share_any_text": labels.percent(fig["share_covered_by_any"]),
        "per": per,
    }


def _strings() -> dict:
    """Words the page's script shows, in the reader's language."""
    return {
        "status": {k: str(v) for k, v in labels.STATUS.items()},
        "run_status": {k: str(v) for k, v in labels.RUN_STATUS.items()},
        "no_change": _("Không thôn nào đổi trạng thái giữa hai lần tính này."),
        "same_run": _("Hãy chọn hai lần tính khác nhau."),
        "people": _("người"),
        "people_added": _(
            "Thêm %(people)s người có sóng (không cách chọn %(k)s trạm nào phủ thêm quá %(bound)s người)."
        ),
        "planning": _("Đang tìm vị trí trạm… (có thể mất vài chục giây)"),
        "saved": _("Đã lưu lần tính giả định %(label)s."),
        "failed": _("Không thực hiện được: %(message)s"),
        "network_error": _("Mất kết nối tới máy chủ, hãy thử lại."),
        "no_gap_villages": _("Mọi thôn đều có sóng với mạng này."),
        "planned": _("Trạm dự kiến"),
        "no_gaps": _("Lần tính này không có vùng lõm sóng để vẽ: chỉ lần tính thực tế mới nhất lưu vùng lõm sóng."),
        "tower": _("Trạm BTS"),
        "gap": {"none": _("Vùng lõm sóng"), "weak": _("Vùng sóng yếu")},
        "elevation": _("cao %(m)s m"),
        "k_error": _("Số trạm mới (k) phải là số nguyên từ 1 đến 50."),
        "compare_head": [pgettext("column: one village per row", "Thôn"), _("Mạng"), _("Trước"), _("Sau")],
        "lang": "vi" if (get_language() or "vi").startswith("vi") else "en",
    }


def page(request):
    """The planner page: headline from the newest real run, the map, planning, comparison, calibration."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _require(request)
    runs = list(CoverageRun.objects.order_by("-created_at", "-pk")[:20])
    for run in runs:
        run.label = labels.run_label(run)
        run.kind = labels.run_kind(run)
        run.is_what_if = coverage.is_what_if(run)
        run.progress_text = labels.run_progress(run)
        run.time_text = labels.local_time(run.created_at)
    finished = [r for r in runs if r.status == "succeeded"]
    latest = coverage.latest_real_run()
    chosen = request.GET.get("run", "")
    map_run = next((r for r in finished if str(r.pk) == chosen), None) or latest or next(iter(finished), None)
    # Compared by default: the headline's real run against the newest other finished run.
    compare_b = next((r for r in finished if latest is None or r.pk != latest.pk), None)
    plans = list(SitePlan.objects.select_related("base_run")[:5])
    for p in plans:
        p.network = labels.network(p.parameters.get("operator", ""), p.parameters.get("technology", ""))
        p.people_text = labels.number(p.population_added)
        p.bound_text = labels.number(p.upper_bound)
        # The list says how many sites were proposed, which may be fewer than asked.
        p.found = p.candidates.filter(rank__isnull=False).count()
    calibrations = list(
        CalibrationResult.objects.filter(run=latest).order_by("operator", "technology") if latest else []
    )
    for c in calibrations:
        c.network = labels.network(c.operator, c.technology)
    wifi = siteplans.wifi_priorities(limit=15)
    for w in wifi:
        w["households_text"] = labels.number(w["households"])
    context = {
        "runs": runs,
        "finished": finished,
        "latest": latest,
        "map_run": map_run,
        "compare_a": latest or next(iter(finished[1:]), None),
        "compare_b": compare_b,
        "figures": _headline(latest),
        "calibrations": calibrations,
        "plans": plans,
        "wifi": wifi,
        "operators": [(code, labels.operator(code)) for code in parameters.OPERATORS],
        "technologies": list(reversed(parameters.TECHNOLOGIES)),
        "candidate_kinds": [(k, str(v)) for k, v in labels.CANDIDATES.items()],
        "basemap": basemap.client_config(),
        "strings": _strings(),
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
    rows = _network_filter(request, rows)
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
                "status_label": str(labels.STATUS.get(r.status, r.status)),
                "network": labels.network(r.operator, r.technology),
                "best_dbm": r.best_dbm,
                "best_dbm_text": labels.level(r.best_dbm, r.technology),
                "serving": labels.site(r.serving_label),
                "reason_code": r.reason_code,
                "reason": labels.reason(r.reason_code, r.reason, r.best_dbm),
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
        raise BadRequest(_("Hãy chọn hai lần tính để so sánh (?a=&b=)."), field="a") from exc
    answer = coverage.compare(_run(a), _run(b))
    for change in answer["changes"]:
        change["network"] = labels.network(change["operator"], change["technology"])
        change["before_label"] = str(labels.STATUS.get(change["before"], "–"))
        change["after_label"] = str(labels.STATUS.get(change["after"], "–"))
    return JsonResponse(answer)


def _network_filter(request, rows):
    for key in ("operator", "technology"):
        if request.GET.get(key):
            rows = rows.filter(**{key: request.GET[key][:20]})
    return rows


@require_GET
def gaps(request):
    """GeoJSON of the coverage-gaps layer (the newest real run's gaps), by ?operator=, ?technology= and ?run=."""
    _require(request)
    rows = _network_filter(request, CoverageGap.objects.order_by("severity", "pk"))
    if request.GET.get("run", "").isdigit():
        # Only a real run draws gaps, and a newer real run replaces them: another run has none here.
        rows = rows.filter(run_id=int(request.GET["run"]))
    features = [
        {
            "type": "Feature",
            # About 5 m of simplification: the outline a planner reads, not every 30 m cell edge.
            "geometry": json.loads(g.geom.simplify(0.00005, preserve_topology=True).json),
            "properties": {
                "severity": g.severity,
                "label": str(labels.STATUS.get(g.severity, g.severity)),
                "network": labels.network(g.operator, g.technology),
                "population": g.population,
                "population_text": labels.number(g.population),
                "run": g.run_id,
            },
        }
        for g in rows[:500]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@require_GET
def towers(request):
    """GeoJSON of the active towers, by ?operator= and ?technology=."""
    _require(request)
    rows = _network_filter(request, CellTower.objects.filter(status="active").order_by("pk"))
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [t.geom.x, t.geom.y]},
            "properties": {
                "name": t.name or labels.network(t.operator, t.technology),
                "network": labels.network(t.operator, t.technology),
                "height_m": t.antenna_height_m,
            },
        }
        for t in rows[:5000]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


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


def _planning_error(exc: siteplans.PlanningError, operator: str, technology: str) -> PlatformError:
    """The planning service's refusal in the reader's language, still naming the field at fault."""
    if exc.field == "k":
        message = _("Số trạm mới (k) phải là số nguyên từ 1 đến 50.")
    elif exc.field == "base_run":
        message = _("Chưa có lần tính thực tế nào xong: hãy tính vùng phủ trước.")
    # A known network refused on the operator field means every village already has its signal.
    elif exc.field == "operator" and operator in parameters.OPERATORS and technology in parameters.TECHNOLOGIES:
        message = _("Mọi thôn đã có sóng %(network)s: không cần trạm mới.") % {
            "network": labels.network(operator, technology)
        }
    elif exc.field == "operator":
        message = _("Hãy chọn nhà mạng và công nghệ trong danh sách.")
    else:
        message = exc.message  # the service's own message, already in the reader's language
    return siteplans.PlanningError(message, field=exc.field, code=exc.code, status=exc.status)


def _plan_json(answer: SitePlan) -> dict:
    sites = [
        {
            "rank": s.rank,
            "name": labels.site(s.name),
            "lon": s.geom.x,
            "lat": s.geom.y,
            "elevation_m": s.elevation_m,
            "elevation_text": labels.number(s.elevation_m),
            "population_added": s.population_added,
            "population_text": labels.number(s.population_added),
            "villages": s.villages_added,
        }
        for s in answer.candidates.filter(rank__isnull=False).order_by("rank")
    ]
    return {
        "id": answer.pk,
        "network": labels.network(answer.parameters.get("operator", ""), answer.parameters.get("technology", "")),
        "population_added": answer.population_added,
        "population_text": labels.number(answer.population_added),
        "upper_bound": answer.upper_bound,
        "upper_bound_text": labels.number(answer.upper_bound),
        "what_if_run": answer.what_if_run_id,
        "sites": sites,
        "asked": answer.k,
        "shortfall": _shortfall(answer.k, len(sites)),
    }


def _shortfall(asked: int, found: int) -> str:
    """Why the plan proposes fewer sites than asked, or "" when it found them all."""
    if found >= asked:
        return ""
    if not found:
        return _("Không tìm được vị trí nào có thêm người được phủ sóng: mọi thôn trong tầm các vị trí thử đã có sóng.")
    return ngettext(
        "Đã yêu cầu %(asked)s trạm nhưng chỉ tìm được %(found)s vị trí có thêm người được phủ sóng: "
        "trạm thêm ở các vị trí thử khác không phủ thêm được ai.",
        "Đã yêu cầu %(asked)s trạm nhưng chỉ tìm được %(found)s vị trí có thêm người được phủ sóng: "
        "trạm thêm ở các vị trí thử khác không phủ thêm được ai.",
        found,
    ) % {"asked": asked, "found": found}


@require_POST
def plan(request):
    """Choose k new sites (JSON: k, operator, technology, candidates, what_if: queue the what-if run, default true)."""
    _require(request)
    body = _body(request)
    k = body.get("k", 3)
    if isinstance(k, str) and k.strip().isdigit():
        k = int(k)  # a form field sends digits as text
    if not isinstance(k, int) or isinstance(k, bool):
        raise BadRequest(_("Số trạm mới (k) phải là số nguyên từ 1 đến 50."), field="k")
    operator, technology = str(body.get("operator", "viettel")), str(body.get("technology", "4G"))
    try:
        answer = siteplans.plan(
            k,
            operator=operator,
            technology=technology,
            candidates=body.get("candidates", "hilltops"),
            what_if=body.get("what_if", True) is not False,
        )
    except siteplans.PlanningError as exc:
        raise _planning_error(exc, operator, technology) from exc
    return JsonResponse(_plan_json(answer), status=201)


@require_POST
def plan_what_if(request, plan_id: int):
    """Save a plan as a what-if run (its sites added to the towers); 202 with the queued run."""
    _require(request)
    answer = SitePlan.objects.filter(pk=plan_id).first()
    if answer is None:
        raise NotFound(_("Không có phương án trạm số %(id)s.") % {"id": plan_id})
    try:
        run = siteplans.save_what_if(answer)
    except siteplans.PlanningError as exc:
        raise _planning_error(exc, "", "") from exc
    return JsonResponse(_run_json(run), status=202)


@require_GET
def wifi(request):
    """Cultural houses without Wi-Fi ranked by the households served."""
    _require(request)
    return JsonResponse({"results": siteplans.wifi_priorities()})
