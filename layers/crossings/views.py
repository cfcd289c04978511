"""The gauge API (readings posted with a key) and a crossing's page with its chart of the last days."""

from __future__ import annotations

import datetime as dt
import json

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from layers.feedback import ratelimit

from . import chart, gauges, levels, readings
from .errors import CrossingError
from .models import Crossing

MAX_BODY = 1_000_000
DAYS = 3


def _key(request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("X-Api-Key", "")


@csrf_exempt
@require_POST
def post_readings(request):
    """POST one reading {measured_at, level_m}, a list of them, or {"readings": [...]}; header X-Api-Key."""
    ratelimit.check_device_address(request)
    gauge = gauges.authenticate(_key(request))
    ratelimit.check_device("gauge", gauge.pk)
    if len(request.body) > MAX_BODY:
        raise CrossingError(_("Nội dung quá lớn."), field="readings", status=413, code="too_large")
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise CrossingError(_("Nội dung không phải JSON hợp lệ."), field="body") from None
    if isinstance(body, dict) and "readings" in body:
        items = body["readings"]
    elif isinstance(body, dict):
        items = [body]
    else:
        items = body
    checked = readings.check(items, timezone.now())
    outcome = readings.record(gauge, checked, source="api")
    return JsonResponse(
        {"crossing": gauge.crossing_id, "gauge": gauge.pk, **outcome.as_dict()},
        status=201 if outcome.new else 200,
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def crossing_page(request, pk: int):
    """A crossing's status, thresholds and a chart of the water level over the last days."""
    crossing = get_object_or_404(Crossing, pk=pk)
    now = timezone.now()
    start = now - dt.timedelta(days=DAYS)
    data = readings.series(crossing, days=DAYS, now=now)
    drawn = chart.build(
        data,
        start,
        now,
        {"caution": crossing.caution_level_m, "closed": crossing.closed_level_m},
        levels.LOCAL,
    )
    recent = [(timezone.localtime(t, levels.LOCAL), v) for t, v in reversed(data[-48:])]
    context = {
        "crossing": crossing,
        "chart": drawn,
        "days": DAYS,
        "recent": recent,
        "count": len(data),
        "changes": crossing.changes.order_by("-at")[:10],
        "tz": "Asia/Ho_Chi_Minh",
    }
    return render(request, "crossings/crossing.html", context)


@require_GET
def crossing_status(request, pk: int):
    """The crossing's status as JSON (for the map and the dashboard)."""
    crossing = get_object_or_404(Crossing, pk=pk)
    return JsonResponse(
        {
            "id": crossing.pk,
            "name": crossing.name,
            "status": crossing.status,
            "status_words": crossing.get_status_display(),
            "level_m": crossing.level_m,
            "level_at": crossing.level_at.isoformat() if crossing.level_at else None,
            "caution_level_m": crossing.caution_level_m,
            "closed_level_m": crossing.closed_level_m,
        },
        json_dumps_params={"ensure_ascii": False},
    )
