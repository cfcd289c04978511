"""Recording water-level readings: checked as a whole, duplicates ignored, the crossing's status moved on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from layers.cameras import health as camera_health

from . import access, alerts, levels
from .errors import CrossingError
from .models import Crossing, Gauge, Reading, StatusChange

MAX_BATCH = 5000


@dataclass
class Outcome:
    """What one call recorded: new readings, duplicates ignored, status changes."""

    received: int = 0
    new: int = 0
    duplicates: int = 0
    changes: list[StatusChange] = field(default_factory=list)
    status: str = "unknown"

    def as_dict(self) -> dict:
        """The JSON answer to the gauge."""
        return {
            "received": self.received,
            "new": self.new,
            "duplicates": self.duplicates,
            "status": self.status,
            "changes": [{"at": c.at.isoformat(), "from": c.from_status, "to": c.to_status} for c in self.changes],
        }


def check(items: list, now: dt.datetime, where: str = "readings") -> list[levels.Level]:
    """Every item checked; the first bad one refuses the whole batch, naming its place and field."""
    if not isinstance(items, list) or not items:
        raise CrossingError("Cần ít nhất một số đo.", field=where)
    if len(items) > MAX_BATCH:
        raise CrossingError(f"Tối đa {MAX_BATCH} số đo một lần.", field=where, status=413, code="too_large")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(levels.parse(item, now))
        except levels.BadReading as exc:
            raise CrossingError(f"Số đo thứ {i + 1}: {exc.reason}", field=f"{where}[{i}].{exc.field}") from None
    return out


def record(gauge: Gauge, checked: list[levels.Level], source: str = "api") -> Outcome:
    """Store new readings of this gauge (same time twice = one reading) and update its crossing."""
    outcome = Outcome(received=len(checked))
    by_time: dict[dt.datetime, float] = {}
    for item in checked:
        by_time.setdefault(item.measured_at, item.level_m)
    with transaction.atomic():
        crossing = Crossing.objects.select_for_update().get(pk=gauge.crossing_id)
        known = set(
            Reading.objects.filter(gauge=gauge, measured_at__in=list(by_time)).values_list("measured_at", flat=True)
        )
        fresh = sorted((t, v) for t, v in by_time.items() if t not in known)
        Reading.objects.bulk_create(
            [Reading(gauge=gauge, measured_at=t, level_m=v, source=source) for t, v in fresh], ignore_conflicts=True
        )
        outcome.new = len(fresh)
        outcome.duplicates = outcome.received - outcome.new
        if fresh:
            Gauge.objects.filter(pk=gauge.pk).update(last_reading_at=timezone.now())
        outcome.changes = advance(crossing, fresh, tell=source != "demo")
        outcome.status = crossing.status
        if source == "api":
            # A gauge that posts is alive: its watched device shares the cameras' health view and uptime.
            camera_health.subject_alive(gauge)
    return outcome


def advance(crossing: Crossing, fresh: list[tuple[dt.datetime, float]], tell: bool = True) -> list[StatusChange]:
    """Walk readings newer than the crossing's last one in time order; record each change of status."""
    changes = []
    for at, level in fresh:
        if crossing.level_at is not None and at <= crossing.level_at:
            continue  # a late reading fills the chart but does not turn the clock back
        new = levels.status(level, crossing.caution_level_m, crossing.closed_level_m)
        if new != crossing.status:
            changes.append(
                StatusChange.objects.create(
                    crossing=crossing, at=at, from_status=crossing.status, to_status=new, level_m=level
                )
            )
            crossing.status, crossing.status_since = new, at
        crossing.level_m, crossing.level_at = level, at
    crossing.save(update_fields=["status", "status_since", "level_m", "level_at"])
    if any("closed" in (c.from_status, c.to_status) for c in changes):
        access.refresh_later()  # a road opened or closed: which villages it cuts off changes
    # The demo's history is not news: only live readings are told.
    for change in changes if tell else ():
        alerts.crossing_changed(change)
    return changes


def series(crossing: Crossing, days: int = 3, now: dt.datetime | None = None) -> list[tuple[dt.datetime, float]]:
    """(time, level) of every gauge of the crossing over the last days, in time order."""
    now = now or timezone.now()
    rows = Reading.objects.filter(gauge__crossing=crossing, measured_at__gte=now - dt.timedelta(days=days))
    return list(rows.order_by("measured_at").values_list("measured_at", "level_m"))
