"""A flood observation's exposure: per district, commune and village, with the unknown part beside each figure.

Reads the observation's state raster (layers.flood.exposure, exactextract) and polygons, the villages,
parcels, towers, cameras, Wi-Fi points, roads and crossings, and who is cut off from the town
(layers.crossings.network). Stored as one FloodExposure row per observation.
"""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q

from layers.cameras.models import Camera
from layers.flood import exposure
from layers.flood.models import FloodObservation
from layers.parcels.models import Parcel
from layers.places.models import Commune, Village
from layers.telecom.models import OPERATORS, CellTower, CoverageGap, WifiPoint

from . import network
from .models import Crossing, FloodExposure, StatusChange

CROSSING_RADIUS_M = 60.0  # flood water this close to a spillway or ferry puts it under water
UNKNOWN_SHARE = 0.5  # a village or parcel mostly unknown is counted apart, never as dry


def _shp(geom):
    """A GEOS geometry as shapely (None stays None)."""
    return None if geom is None else shapely.from_wkb(bytes(geom.wkb))


def _closed_at(observed_at) -> set[int]:
    """Crossings whose gauge said "closed" at that time (the last status change before it)."""
    last = {}
    for c in StatusChange.objects.filter(at__lte=observed_at).order_by("crossing_id", "at", "pk"):
        last[c.crossing_id] = c.to_status
    return {pk for pk, status in last.items() if status == "closed"}


def dead_zone_villages() -> set[int]:
    """Villages with no mobile signal from any operator (inside a "no signal" gap of every operator)."""
    if not CoverageGap.objects.exists():
        return set()
    qs = Village.objects.all()
    for code, _label in OPERATORS:
        qs = qs.filter(
            Exists(CoverageGap.objects.filter(operator=code, severity="none", geom__contains=OuterRef("geom")))
        )
    return set(qs.values_list("pk", flat=True))


def _points_state(state: str, rows, commune_of) -> dict:
    """flooded / unknown counts of point features, in total and per commune id."""
    values = exposure.at_points(state, [r[1] for r in rows])
    out = defaultdict(lambda: {"total": 0, "flooded": 0, "unknown": 0})
    for (_pk, point), value in zip(rows, values, strict=True):
        for key in {None, commune_of(point)}:  # a point outside every commune counts once, for the district
            out[key]["total"] += 1
            out[key]["flooded"] += int(value == exposure.FLOOD)
            out[key]["unknown"] += int(value not in (exposure.DRY, exposure.FLOOD, exposure.WATER))
    return out


def assess(observation: FloodObservation) -> dict:
    """Every exposure figure of one observation (a JSON-ready dict)."""
    state = observation.state_raster_path
    flooded = _shp(observation.flooded)
    unknown = _shp(observation.unknown)
    communes = list(Commune.objects.order_by("name"))
    commune_geoms = [_shp(c.geom) for c in communes]
    tree = shapely.STRtree(commune_geoms)

    def commune_of(point):
        hits = tree.query(point, predicate="within")
        return communes[int(hits[0])].pk if len(hits) else None

    # Communes: flooded and unknown area.
    zones = exposure.zonal(state, commune_geoms)
    by_commune = {
        c.pk: {
            "id": c.pk,
            "name": c.name,
            "area_km2": z.area_m2 / 1e6,
            "flooded_km2": z.flooded_m2 / 1e6,
            "unknown_km2": z.unknown_m2 / 1e6,
        }
        for c, z in zip(communes, zones, strict=True)
    }
    # Villages: the circle around each point.
    villages = list(Village.objects.select_related("commune").order_by("commune__name", "name"))
    vz = exposure.zonal(state, exposure.village_zones([_shp(v.geom) for v in villages]))
    closed = _closed_at(observation.observed_at)
    reach = network.situation(flood=flooded, villages=villages, closed_ids=closed)
    dead = dead_zone_villages()
    village_rows = []
    for v, z in zip(villages, vz, strict=True):
        status = reach.village_status.get(v.pk, network.reachability.NO_ROAD)
        cut = status == network.reachability.CUT_OFF
        village_rows.append(
            {
                "id": v.pk,
                "name": v.name,
                "commune_id": v.commune_id,
                "commune": v.commune.name,
                "population": v.population,
                "households": v.households,
                "flooded_share": round(z.flooded_share, 4),
                "unknown_share": round(z.unknown_share, 4),
                "flooded": z.flooded_share >= exposure.FLOODED_SHARE,
                "unknown": z.unknown_share >= UNKNOWN_SHARE,
                "cut_off": cut,
                "no_road": status == network.reachability.NO_ROAD,
                "dead_zone": v.pk in dead,
                "needs_other_channel": cut and v.pk in dead,
            }
        )
    # Parcels: only those touching flood or unknown water need the raster (the rest are dry).
    parcels = Parcel.objects.all()
    total_parcels = defaultdict(int)
    for cid, n in parcels.values_list("commune_id").annotate(n=Count("pk")):
        total_parcels[cid] += n
    touching = Q()
    if observation.flooded and not observation.flooded.empty:
        touching |= Q(geom__intersects=observation.flooded)
    if observation.unknown and not observation.unknown.empty:
        touching |= Q(geom__intersects=observation.unknown)
    candidates = list(parcels.filter(touching).values_list("pk", "commune_id", "geom")) if touching else []
    pz = exposure.zonal(state, [_shp(g) for _, _, g in candidates])
    parcel_counts = defaultdict(lambda: {"flooded": 0, "unknown": 0, "flooded_m2": 0.0})
    for (_pk, cid, _g), z in zip(candidates, pz, strict=True):
        for key in {None, cid}:
            parcel_counts[key]["flooded"] += int(z.flooded_share >= exposure.FLOODED_SHARE)
            parcel_counts[key]["unknown"] += int(z.unknown_share >= UNKNOWN_SHARE)
            parcel_counts[key]["flooded_m2"] += z.flooded_m2
    # Points: towers, cameras, Wi-Fi points.
    points = {
        "towers": _points_state(
            state, [(pk, _shp(g)) for pk, g in CellTower.objects.values_list("pk", "geom")], commune_of
        ),
        "cameras": _points_state(
            state, [(pk, _shp(g)) for pk, g in Camera.objects.values_list("pk", "geom")], commune_of
        ),
        "wifi": _points_state(
            state, [(pk, _shp(g)) for pk, g in WifiPoint.objects.values_list("pk", "geom")], commune_of
        ),
    }
    # Roads: kilometres under flood water and under unknown, per commune by clipping.
    roads = [_shp(g) for g in network.Road.objects.values_list("geom", flat=True)]
    road_km = defaultdict(lambda: {"total": 0.0, "flooded": 0.0, "unknown": 0.0})
    if roads:
        merged = shapely.union_all(roads)
        for key, clip in [(None, None)] + [(c.pk, g) for c, g in zip(communes, commune_geoms, strict=True)]:
            part = merged if clip is None else shapely.intersection(merged, clip)
            if part.is_empty:
                continue
            total, wet = exposure.line_lengths([part], flooded)
            _, grey = exposure.line_lengths([part], unknown)
            road_km[key] = {"total": total[0] / 1e3, "flooded": wet[0] / 1e3, "unknown": grey[0] / 1e3}
    # Crossings: under water (spillways and ferries with flood water around them) or closed by the gauge.
    crossings = list(Crossing.objects.order_by("name"))
    circles = exposure.village_zones([_shp(c.geom) for c in crossings], radius_m=CROSSING_RADIUS_M)
    cz = exposure.zonal(state, circles) if crossings else []
    crossing_rows = []
    for c, z in zip(crossings, cz, strict=True):
        near_water = z.flooded_share >= 0.1
        crossing_rows.append(
            {
                "id": c.pk,
                "name": c.name,
                "kind": c.kind,
                "commune_id": commune_of(_shp(c.geom)),
                "under_water": c.kind in network.WET_KINDS and (near_water or c.pk in reach.flooded_crossings),
                "closed": c.pk in closed,
                "unknown": z.unknown_share >= UNKNOWN_SHARE,
            }
        )

    def figures(key) -> dict:
        rows = [v for v in village_rows if key is None or v["commune_id"] == key]
        flooded_share = np.array([v["flooded_share"] for v in rows]) if rows else np.zeros(0)
        unknown_share = np.array([v["unknown_share"] for v in rows]) if rows else np.zeros(0)
        pop = np.array([v["population"] for v in rows]) if rows else np.zeros(0)
        hh = np.array([v["households"] for v in rows]) if rows else np.zeros(0)
        cut = [v for v in rows if v["cut_off"]]
        xs = [x for x in crossing_rows if key is None or x["commune_id"] == key]
        return {
            "villages": len(rows),
            "villages_flooded": sum(v["flooded"] for v in rows),
            "villages_unknown": sum(v["unknown"] for v in rows),
            "villages_cut_off": len(cut),
            "villages_other_channel": sum(v["needs_other_channel"] for v in rows),
            "people": exposure.people(pop, flooded_share),
            "people_unknown": exposure.people(pop, unknown_share),
            "households": exposure.people(hh, flooded_share),
            "households_unknown": exposure.people(hh, unknown_share),
            "people_cut_off": int(sum(v["population"] for v in cut)),
            "parcels": total_parcels.get(key, 0) if key is not None else sum(total_parcels.values()),
            "parcels_flooded": parcel_counts[key]["flooded"],
            "parcels_unknown": parcel_counts[key]["unknown"],
            "parcels_flooded_ha": round(parcel_counts[key]["flooded_m2"] / 1e4, 2),
            **{f"{name}_{k}": points[name][key][k] for name in points for k in ("total", "flooded", "unknown")},
            "road_km": round(road_km[key]["total"], 2),
            "road_km_flooded": round(road_km[key]["flooded"], 2),
            "road_km_unknown": round(road_km[key]["unknown"], 2),
            "crossings": len(xs),
            "crossings_under_water": sum(x["under_water"] for x in xs),
            "crossings_closed": sum(x["closed"] for x in xs),
            "crossings_unknown": sum(x["unknown"] for x in xs),
        }

    district = {
        "area_km2": round(sum(c["area_km2"] for c in by_commune.values()), 2),
        "flooded_km2": round(sum(c["flooded_km2"] for c in by_commune.values()), 3),
        "unknown_km2": round(sum(c["unknown_km2"] for c in by_commune.values()), 3),
        **figures(None),
    }
    commune_rows = []
    for c in communes:
        row = by_commune[c.pk]
        commune_rows.append(
            {
                **{k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()},
                **figures(c.pk),
            }
        )
    return {
        "observation_id": observation.pk,
        "observed_at": observation.observed_at.isoformat(),
        "product": observation.product,
        "district": district,
        "communes": commune_rows,
        "villages": village_rows,
        "crossings": crossing_rows,
        "blocked_road_km": reach.blocked_km,
    }


def _plain(value):
    """numpy scalars as Python numbers for JSON."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def save(observation: FloodObservation, figures: dict) -> FloodExposure:
    """Keep (or replace) the exposure figures of an observation (inside the caller's transaction)."""
    figures = json.loads(json.dumps(figures, default=_plain))
    row, _ = FloodExposure.objects.update_or_create(
        observation=observation,
        defaults={"event_id": observation.event_id, "observed_at": observation.observed_at, "figures": figures},
    )
    return row


def store(observation: FloodObservation) -> FloodExposure:
    """Compute and keep (or replace) the exposure of an observation."""
    figures = assess(observation)
    with transaction.atomic():
        return save(observation, figures)
