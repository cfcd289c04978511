"""A flood event's situation report: a printable page and a CSV, from the stored exposure of its observations."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_safe

from geoplatform.errors import Forbidden
from layers import roles
from layers.crossings.models import Crossing, FloodExposure
from layers.crossings.network import reachability
from layers.feedback import csvcells

from .models import FloodEvent

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# (key, Vietnamese heading, key of the unknown part or None): every figure with its unknown beside it.
COLUMNS = (
    ("flooded_km2", gettext_noop("Diện tích ngập (km²)"), "unknown_km2"),
    ("villages_flooded", gettext_noop("Thôn bị ngập"), "villages_unknown"),
    ("people", gettext_noop("Người bị ảnh hưởng"), "people_unknown"),
    ("households", gettext_noop("Hộ bị ảnh hưởng"), "households_unknown"),
    ("villages_cut_off", gettext_noop("Thôn bị chia cắt"), None),
    ("people_cut_off", gettext_noop("Người bị chia cắt"), None),
    ("villages_other_channel", gettext_noop("Thôn cần kênh khác"), None),
    ("road_km_flooded", gettext_noop("Đường ngập (km)"), "road_km_unknown"),
    ("crossings_under_water", gettext_noop("Ngầm, bến đò bị ngập"), "crossings_unknown"),
    ("crossings_closed", gettext_noop("Ngầm, cầu cấm qua"), None),
    ("parcels_flooded", gettext_noop("Thửa đất bị ngập"), "parcels_unknown"),
    ("towers_flooded", gettext_noop("Trạm BTS bị ngập"), "towers_unknown"),
    ("cameras_flooded", gettext_noop("Camera bị ngập"), "cameras_unknown"),
    ("wifi_flooded", gettext_noop("Điểm Wi-Fi bị ngập"), "wifi_unknown"),
)


def _require_staff(user) -> None:
    if not roles.of(user):
        raise Forbidden(_("Báo cáo lũ chỉ dành cho cán bộ của Trung tâm điều hành."))


def _report(event: FloodEvent) -> dict:
    """The report's data: the newest exposure, the timeline, villages and crossings that need action."""
    rows = list(FloodExposure.objects.filter(event=event).order_by("observed_at", "pk"))
    latest = rows[-1] if rows else None
    figures = latest.figures if latest else {}
    columns = [{"key": k, "title": _(t), "unknown": u} for k, t, u in COLUMNS]
    villages = [
        v
        for v in figures.get("villages", [])
        if v.get("flooded") or v.get("cut_off") or v.get("unknown") or v.get("needs_other_channel")
    ]
    crossings = {c.pk: c for c in Crossing.objects.all()}
    crossing_rows = [
        {**x, "now": crossings.get(x["id"])} for x in figures.get("crossings", []) if x["under_water"] or x["closed"]
    ]
    timeline = [
        {
            "at": timezone.localtime(r.observed_at, LOCAL),
            "product": r.figures.get("product", ""),
            **{
                k: r.figures["district"].get(k)
                for k in ("flooded_km2", "unknown_km2", "villages_flooded", "villages_cut_off", "people")
            },
        }
        for r in rows
    ]

    def cells(figs):
        return [
            {"value": figs.get(c["key"]), "unknown": figs.get(c["unknown"]) if c["unknown"] else None} for c in columns
        ]

    table = [{"name": c["name"], "id": c["id"], "cells": cells(c)} for c in figures.get("communes", [])]
    return {
        "event": event,
        "table": table,
        "total": cells(figures["district"]) if figures.get("district") else [],
        "summary": [
            {**col, **cell} | {"has_unknown": bool(col["unknown"])}
            for col, cell in zip(columns, cells(figures.get("district", {})), strict=True)
        ],
        "latest": latest,
        "observed_at": timezone.localtime(latest.observed_at, LOCAL) if latest else None,
        "district": figures.get("district", {}),
        "communes": figures.get("communes", []),
        "columns": columns,
        "villages": villages,
        "crossings": crossing_rows,
        "timeline": timeline,
        "cut_off_word": reachability.CUT_OFF,
    }


@login_required
@require_safe
def report(request, pk: int):
    """The printable situation report of one flood event."""
    _require_staff(request.user)
    event = get_object_or_404(FloodEvent, pk=pk)
    context = _report(event)
    context["generated_at"] = timezone.localtime(timezone.now(), LOCAL)
    return render(request, "flood/report.html", context)


@login_required
@require_safe
def report_csv(request, pk: int):
    """The report's figures per commune and for the district, each with its unknown part, as CSV (UTF-8)."""
    _require_staff(request.user)
    event = get_object_or_404(FloodEvent, pk=pk)
    data = _report(event)
    header = [_("Xã")]
    for col in data["columns"]:
        header.append(col["title"])
        if col["unknown"]:
            header.append(_("%(figure)s: không rõ") % {"figure": col["title"]})

    def line(name, figures):
        row = [name]
        for col in data["columns"]:
            row.append(figures.get(col["key"]))
            if col["unknown"]:
                row.append(figures.get(col["unknown"]))
        return row

    rows = [line(commune["name"], commune) for commune in data["communes"]]
    if data["district"]:
        rows.append(line(_("Toàn huyện"), data["district"]))
    # Names come from the database: a spreadsheet must never run one as a formula.
    text = csvcells.write(header, rows)
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    stamp = data["observed_at"].strftime("%Y%m%d-%H%M") if data["observed_at"] else "empty"
    response["Content-Disposition"] = f'attachment; filename="flood-report-{event.pk}-{stamp}.csv"'
    return response


@login_required
@require_safe
def index(request):
    """Flood events, newest first, with their latest figures; the crossings and their status now."""
    _require_staff(request.user)
    events = []
    for event in FloodEvent.objects.order_by("-started_at")[:30]:
        latest = FloodExposure.objects.filter(event=event).order_by("-observed_at", "-pk").first()
        events.append({"event": event, "district": latest.figures["district"] if latest else None})
    crossings = Crossing.objects.order_by("name")
    return render(request, "flood/report_index.html", {"events": events, "crossings": crossings})
