"""Statistics of handling: volume, median response time and share answered on time, by group."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import CLOSED_STATUSES, Category, Complaint
from .open311 import LOCAL


def _rows(qs, key: str, now):
    # Response time: receipt to first acknowledgement (or the answer, when one came without it).
    groups = {}
    values = qs.values_list(key, "created_at", "acknowledged_at", "resolved_at", "expected_at", "status")
    for group, created, acknowledged, resolved, expected, status in values:
        g = groups.setdefault(group, {"volume": 0, "responses": [], "on_time": 0, "late": 0})
        g["volume"] += 1
        first = acknowledged or resolved
        if first is not None:
            g["responses"].append((first - created).total_seconds() / 3600)
        if expected is None:
            continue
        if resolved is not None:
            g["on_time" if resolved <= expected else "late"] += 1
        elif status not in CLOSED_STATUSES and expected < now:
            g["late"] += 1
    return groups


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _finish(groups: dict, label) -> list[dict]:
    out = []
    for group, g in groups.items():
        judged = g["on_time"] + g["late"]
        median = _median(g["responses"])
        out.append(
            {
                "key": label(group),
                "volume": g["volume"],
                "median_response_hours": round(median, 2) if median is not None else None,
                "on_time": g["on_time"],
                "late": g["late"],
                "on_time_percent": round(100 * g["on_time"] / judged, 1) if judged else None,
            }
        )
    return sorted(out, key=lambda r: str(r["key"]))


def summary(start=None, end=None, now=None, language: str = "vi") -> dict:
    """Volume, median response time (hours) and % on time by commune, by category and by local month."""
    now = now or timezone.now()
    qs = Complaint.objects.all()
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lt=end)
    names = {c.code: c.name(language) for c in Category.objects.all()}
    by_month = qs.annotate(month=TruncMonth("created_at", tzinfo=LOCAL))
    groups = _rows(qs, "status", now)
    overall = _finish({"all": _merge(groups)}, str) if groups else []
    return {
        "total": overall[0] if overall else None,
        "by_commune": _finish(_rows(qs, "commune__name", now), lambda k: k or "—"),
        "by_category": [
            {**row, "name": names.get(row["key"], row["key"])} for row in _finish(_rows(qs, "category", now), str)
        ],
        "by_month": _finish(_rows(by_month, "month", now), lambda k: k.strftime("%Y-%m") if k else "—"),
        "open": qs.exclude(status__in=CLOSED_STATUSES).count(),
        "overdue": qs.exclude(status__in=CLOSED_STATUSES).filter(Q(expected_at__lt=now)).count(),
    }


def _merge(groups: dict) -> dict:
    merged = {"volume": 0, "responses": [], "on_time": 0, "late": 0}
    for g in groups.values():
        merged["volume"] += g["volume"]
        merged["responses"] += g["responses"]
        merged["on_time"] += g["on_time"]
        merged["late"] += g["late"]
    return merged
