"""Flood events: observations of the same area within a time window grouped into one event."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.gis.db.models import Union
from django.contrib.gis.db.models.functions import Area, Transform
from django.contrib.gis.geos import MultiPolygon
from django.db import transaction
from django.utils import timezone

from .models import FloodEvent, FloodObservation

METRIC_EPSG = 3405


def window() -> dt.timedelta:
    """How far apart two observations of one event may be (settings.FLOOD_EVENT_WINDOW_DAYS, default 10 days)."""
    return dt.timedelta(days=float(getattr(settings, "FLOOD_EVENT_WINDOW_DAYS", 10)))


def _event_for(observation: FloodObservation) -> FloodEvent | None:
    """An event whose time span, widened by the window, holds the observation and whose area it overlaps."""
    span = window()
    footprint = observation.asset.footprint
    candidates = FloodEvent.objects.filter(
        started_at__lte=observation.observed_at + span, ended_at__gte=observation.observed_at - span
    ).order_by("-ended_at", "pk")
    for event in candidates:
        # Same area: the footprints of the products overlap (not the water, which may move or be absent).
        if footprint is None or event.observations.filter(asset__footprint__intersects=footprint).exists():
            return event
    return None


def _name(moment: dt.datetime) -> str:
    local = timezone.localtime(moment, timezone.get_fixed_timezone(7 * 60))
    return f"Đợt ngập {local:%d/%m/%Y}"


def refresh(event: FloodEvent) -> FloodEvent:
    """Recompute an event's time span, maximum extent and maximum unknown area from its observations."""
    observations = event.observations.all()
    times = sorted(observations.values_list("observed_at", flat=True))
    if not times:
        event.delete()
        return event
    merged = observations.aggregate(flooded=Union("flooded"), unknown=Union("unknown"))
    flooded = merged["flooded"]
    unknown = merged["unknown"]
    if unknown is not None and flooded is not None and not flooded.empty:
        # Seen flooded once is known: the unknown share is what no observation could see.
        unknown = unknown.difference(flooded)
    event.started_at, event.ended_at = times[0], times[-1]
    event.max_extent = _multi(flooded)
    event.max_unknown = _multi(unknown)
    event.save()
    area = FloodEvent.objects.filter(pk=event.pk).annotate(a=Area(Transform("max_extent", METRIC_EPSG))).first().a
    event.max_flooded_area_m2 = area.sq_m if area is not None else 0.0
    event.save(update_fields=["max_flooded_area_m2"])
    return event


def _multi(geom) -> MultiPolygon | None:
    if geom is None or geom.empty:
        return MultiPolygon(srid=4326)
    if geom.geom_type == "Polygon":
        return MultiPolygon(geom, srid=4326)
    if geom.geom_type == "MultiPolygon":
        return geom
    parts = [g for g in geom if g.geom_type == "Polygon"]
    parts += [p for g in geom if g.geom_type == "MultiPolygon" for p in g]
    return MultiPolygon(*parts, srid=4326)


@transaction.atomic
def group_into_events(observation_ids) -> list[FloodEvent]:
    """Attach each observation (time order) to an event of the same area within the window, or open one."""
    touched: dict[int, FloodEvent] = {}
    observations = FloodObservation.objects.filter(pk__in=list(observation_ids)).select_related("asset")
    for observation in observations.order_by("observed_at", "pk"):
        event = observation.event or _event_for(observation)
        if event is None:
            event = FloodEvent.objects.create(
                name=_name(observation.observed_at),
                started_at=observation.observed_at,
                ended_at=observation.observed_at,
            )
        if observation.event_id != event.pk:
            observation.event = event
            observation.save(update_fields=["event"])
        touched[event.pk] = event
    return [refresh(event) for event in touched.values()]
