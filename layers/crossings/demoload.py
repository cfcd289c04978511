"""Storing the demo's roads, crossings, the Ngầm's gauge and readings (called by ingest.demo.load)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import GEOSGeometry
from django.db.models import Q

from layers.cameras.models import Device
from layers.places.models import River

from . import access, gauges, levels, readings
from .models import Crossing, Gauge, Road


def _geos(geom) -> GEOSGeometry:
    return GEOSGeometry(geom.wkt, srid=4326)


def store(network: dict, rows: dict[str, list[int]]) -> dict:
    """Roads, crossings and the Ngầm Sông Trường gauge with its readings; row ids recorded in rows."""
    if not network:
        return {}
    roads = Road.objects.bulk_create(
        [
            Road(
                name=r["name"],
                road_class=r["road_class"],
                length_km=r["length_km"],
                synthetic=True,
                geom=_geos(r["geom"]),
            )
            for r in network["roads"]
        ]
    )
    rivers = {r.name: r for r in River.objects.filter(Q(name__in={c["river_name"] for c in network["crossings"]}))}
    crossings = Crossing.objects.bulk_create(
        [
            Crossing(
                name=c["name"],
                kind=c["kind"],
                river=rivers.get(c["river_name"]),
                river_name=c["river_name"],
                road=roads[c["road"]],
                road_name=roads[c["road"]].name,
                caution_level_m=c["caution_level_m"],
                closed_level_m=c["closed_level_m"],
                synthetic=True,
                geom=_geos(c["geom"]),
            )
            for c in network["crossings"]
        ]
    )
    rows.setdefault("crossings.Road", []).extend(r.pk for r in roads)
    rows.setdefault("crossings.Crossing", []).extend(c.pk for c in crossings)
    ngam = next(c for c in crossings if c.name == "Ngầm Sông Trường")
    gauge, _secret = gauges.issue(ngam, "Trạm đo mực nước Ngầm Sông Trường")
    # The cameras' health view watches the same box: its readings count as heartbeats.
    Device.objects.filter(kind="water_gauge", name=gauge.name, subject_id=None).update(
        subject_type=ContentType.objects.get_for_model(Gauge), subject_id=gauge.pk
    )
    # The demo gauge posts nothing itself: its secret is dropped, an operator rotates it for a real box.
    checked = [levels.Level(at, level) for at, level in network["readings"]]
    outcome = readings.record(gauge, checked, source="demo")
    access.refresh()  # the road-access layer of the map, from the demo's crossings as they stand
    return {"roads": len(roads), "crossings": len(crossings), "readings": outcome.new, "ngam": ngam.pk}
