"""The dashboard's crossings figure: crossings closed now and villages cut off from the town now."""

from __future__ import annotations

import datetime as dt

import shapely
from django.utils import timezone

from layers.flood.models import FloodObservation

from . import network
from .models import Crossing

RECENT = dt.timedelta(hours=72)  # a flood seen longer ago than this no longer says where water is


def recent_flood(now=None):
    """The flood water of the newest observation of the last 72 hours (lon/lat shapely), or None."""
    now = now or timezone.now()
    obs = FloodObservation.objects.filter(observed_at__gte=now - RECENT, observed_at__lte=now).first()
    if obs is None or obs.flooded is None or obs.flooded.empty:
        return None, None
    return shapely.from_wkb(bytes(obs.flooded.wkb)), obs


def summary(now=None) -> dict:
    """{closed, caution, total, cut_off, people_cut_off, flood_at}: the state of the roads now."""
    crossings = Crossing.objects.all()
    total = crossings.count()
    out = {
        "closed": crossings.filter(status="closed").count(),
        "caution": crossings.filter(status="caution").count(),
        "total": total,
        "cut_off": 0,
        "people_cut_off": 0,
        "flood_at": None,
    }
    if not total and not network.Road.objects.exists():
        return out
    flood, obs = recent_flood(now)
    state = network.situation(flood=flood)
    cut = [pk for pk, word in state.village_status.items() if word == network.reachability.CUT_OFF]
    out["cut_off"] = len(cut)
    out["people_cut_off"] = sum(network.Village.objects.filter(pk__in=cut).values_list("population", flat=True))
    out["flood_at"] = obs.observed_at.isoformat() if obs else None
    return out
