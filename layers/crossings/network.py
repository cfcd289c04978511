"""The district's road network as a graph, and which villages can reach the district town right now."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer

from layers.flood import reachability
from layers.places.models import Commune, Village

from .models import Crossing, Road

METRIC_EPSG = 3405  # VN-2000 / UTM 48N
SNAP_M = 15.0
STEP_M = 25.0
CROSSING_M = 30.0  # a closed crossing blocks road within this distance
BRIDGE_CLEAR_M = 200.0  # a bridge's deck and embankments stay dry when its river floods
ATTACH_M = 1_500.0  # a village further than this from any road has no road
WET_KINDS = ("spillway", "ferry")

_TO_METRIC = Transformer.from_crs(4326, METRIC_EPSG, always_xy=True)


def to_metric(geom):
    """A lon/lat shapely geometry (or array) in EPSG:3405 metres."""
    return shapely.transform(geom, lambda c: np.column_stack(_TO_METRIC.transform(c[:, 0], c[:, 1])))


def _xy(points) -> np.ndarray:
    if not points:
        return np.empty((0, 2))
    return np.column_stack(_TO_METRIC.transform([p.x for p in points], [p.y for p in points]))


@dataclass
class Situation:
    """Per village: "reachable", "cut_off" or "no_road"; the blocked edges and why."""

    village_status: dict[int, str]
    closed_crossings: list[int]
    flooded_crossings: list[int]
    blocked_km: float
    network: reachability.Network


def graph() -> tuple[reachability.Network, list[int]]:
    """The road network in metres, and the road id of each input line."""
    lines, ids = [], []
    for pk, geom in Road.objects.values_list("pk", "geom"):
        for part in shapely.get_parts(to_metric(shapely.from_wkb(bytes(geom.wkb)))):
            lines.append(np.asarray(part.coords)[:, :2])
            ids.append(pk)
    return reachability.build(lines, snap_m=SNAP_M, step_m=STEP_M), ids


def town_point():
    """Where the district town is: the middle of the town's villages (or of the town's area)."""
    town = Commune.objects.filter(kind="town").first()
    if town is None:
        return None
    pts = list(Village.objects.filter(commune=town).values_list("geom", flat=True))
    if pts:
        return shapely.Point(np.mean([p.x for p in pts]), np.mean([p.y for p in pts]))
    c = town.geom.point_on_surface
    return shapely.Point(c.x, c.y)


def situation(flood=None, villages=None, closed_ids=None) -> Situation:
    """Reachability of each village from the town with closed crossings (and, given a lon/lat flood, water) cut.

    Closed crossings are those closed now, or the given ids (closed at the time of an observation).
    """
    net, _ = graph()
    villages = list(villages if villages is not None else Village.objects.all())
    crossings = list(Crossing.objects.all())
    if closed_ids is None:
        closed = [c for c in crossings if c.status == "closed"]
    else:
        closed = [c for c in crossings if c.pk in set(closed_ids)]
    flooded = []
    blocked = np.zeros(len(net.edges), bool)
    if flood is not None and not flood.is_empty and len(net.edges):
        water = to_metric(flood)
        shapely.prepare(water)
        in_water = shapely.intersects_xy(water, *net.midpoints.T)
        bridges = [c for c in crossings if c.kind == "bridge" and c not in closed]
        if bridges:
            in_water &= ~reachability.blocked_near(net, _xy([c.geom for c in bridges]), BRIDGE_CLEAR_M)
        blocked |= in_water
        flooded = [
            c
            for c, (x, y) in zip(crossings, _xy([c.geom for c in crossings]), strict=True)
            if c.kind in WET_KINDS and c not in closed and water.intersects(shapely.Point(x, y).buffer(CROSSING_M))
        ]
    cuts = closed + flooded
    if cuts and len(net.edges):
        blocked |= reachability.blocked_near(net, _xy([c.geom for c in cuts]), CROSSING_M)
    town = town_point()
    status = {}
    if town is not None and len(net.edges) and villages:
        try:
            words = reachability.cut_off(net, _xy([town]), _xy([v.geom for v in villages]), blocked, ATTACH_M)
        except ValueError:
            words = [reachability.NO_ROAD] * len(villages)
        status = {v.pk: w for v, w in zip(villages, words, strict=True)}
    return Situation(
        village_status=status,
        closed_crossings=[c.pk for c in closed],
        flooded_crossings=[c.pk for c in flooded],
        blocked_km=round(float(net.length[blocked].sum()) / 1_000.0, 2) if len(net.edges) else 0.0,
        network=net,
    )
