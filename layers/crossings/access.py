"""Which villages the district town can reach by road now, kept in VillageAccess for the map and the API."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from geoplatform import dispatch

from . import figures, network
from .models import Crossing, StatusChange, VillageAccess

log = logging.getLogger(__name__)
TASK = "layers.crossings.tasks.refresh_village_access"


def refresh(now=None) -> dict:
    """Recompute every village's road access (closed crossings, newest flood) and store it; counts by status."""
    now = now or timezone.now()
    flood, obs = figures.recent_flood(now)
    villages = list(network.Village.objects.select_related("commune"))
    # The graph work first, outside the transaction; then the rows are written together.
    state = network.situation(flood=flood, villages=villages)
    # A village cut off that has no row yet (the first refresh, a new village): cut off since when it was, if known.
    known = set(VillageAccess.objects.values_list("pk", flat=True))
    fresh = [
        v for v in villages if v.pk not in known and state.village_status.get(v.pk) == network.reachability.CUT_OFF
    ]
    cut_since = cut_off_since(fresh, flood, obs, now)
    # The counts are those of the rows written (a village the graph gave no status is written "reachable").
    counts = {word: 0 for word, _label in VillageAccess._meta.get_field("status").choices}
    with transaction.atomic():
        kept = {a.pk: a for a in VillageAccess.objects.select_for_update()}
        for village in villages:
            status = state.village_status.get(village.pk, "reachable")
            row = kept.pop(village.pk, None)
            if row is None:
                row = VillageAccess(village=village, since=cut_since.get(village.pk, now))
            elif row.status != status:
                row.since = now
            row.name, row.commune_name = village.name, village.commune.name if village.commune_id else ""
            row.population, row.status, row.checked_at, row.geom = village.population or 0, status, now, village.geom
            row.save()
            counts[row.status] = counts.get(row.status, 0) + 1
        VillageAccess.objects.filter(pk__in=list(kept)).delete()  # villages gone since the last time
    log.info("village road access: %s", counts)
    return counts


def closed_since() -> dict[int, dt.datetime | None]:
    """Each crossing closed now, with when it closed: its last status change if that change closed it, else None."""
    closed = dict.fromkeys(Crossing.objects.filter(status="closed").values_list("pk", flat=True))
    last = (
        StatusChange.objects.filter(crossing__in=list(closed))
        .order_by("crossing_id", "-at", "-pk")
        .distinct("crossing_id")
    )
    for change in last:
        # A crossing closed by hand (no change recorded, or the last one opened it): since when is not known.
        closed[change.crossing_id] = change.at if change.to_status == "closed" else None
    return closed


def cut_off_since(villages: list, flood, obs, now: dt.datetime) -> dict[int, dt.datetime]:
    """When each of these villages, cut off now, was cut off by what blocks the roads now, as far as is known.

    The blocks are put back in the order they began (a crossing when it closed, the flood water when it was
    observed): a village was cut off from the start of the block that completed its cut. A block whose start is not
    known counts from now, and so does a village the roads do not reach even without any block. Villages missing
    from the answer are cut off since now.
    """
    if not villages:
        return {}
    steps: dict[dt.datetime, list[int]] = {}
    for pk, at in closed_since().items():
        steps.setdefault(min(at, now) if at else now, []).append(pk)
    water_at = min(obs.observed_at, now) if flood is not None and obs is not None else None
    if water_at is not None:
        steps.setdefault(water_at, [])
    since: dict[int, dt.datetime] = {}
    todo, closed = list(villages), []
    for at in [None, *sorted(steps)]:
        if at is not None and at >= now:
            break  # what only the blocks of now cut off is cut off since now
        closed += steps.get(at, [])
        water = flood if water_at is not None and at is not None and water_at <= at else None
        state = network.situation(flood=water, villages=todo, closed_ids=closed)
        cut = {pk for pk, word in state.village_status.items() if word == network.reachability.CUT_OFF}
        since.update({pk: at for pk in cut if at is not None})
        todo = [v for v in todo if v.pk not in cut]
        if not todo:
            break
    return since


def refresh_later() -> None:
    """Queue a refresh once the caller's transaction commits (a crossing closed or reopened)."""
    transaction.on_commit(lambda: dispatch.queue(TASK), robust=True)
