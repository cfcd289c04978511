"""Which villages the district town can reach by road now, kept in VillageAccess for the map and the API."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from geoplatform import dispatch

from . import figures, network
from .models import VillageAccess

log = logging.getLogger(__name__)
TASK = "layers.crossings.tasks.refresh_village_access"


def refresh(now=None) -> dict:
    """Recompute every village's road access (closed crossings, newest flood) and store it; counts by status."""
    now = now or timezone.now()
    flood, _obs = figures.recent_flood(now)
    villages = list(network.Village.objects.select_related("commune"))
    # The graph work first, outside the transaction; then the rows are written together.
    state = network.situation(flood=flood, villages=villages)
    # The counts are those of the rows written (a village the graph gave no status is written "reachable").
    counts = {word: 0 for word, _label in VillageAccess._meta.get_field("status").choices}
    with transaction.atomic():
        kept = {a.pk: a for a in VillageAccess.objects.select_for_update()}
        for village in villages:
            status = state.village_status.get(village.pk, "reachable")
            row = kept.pop(village.pk, None)
            if row is None:
                row = VillageAccess(village=village, since=now)
            elif row.status != status:
                row.since = now
            row.name, row.commune_name = village.name, village.commune.name if village.commune_id else ""
            row.population, row.status, row.checked_at, row.geom = village.population or 0, status, now, village.geom
            row.save()
            counts[row.status] = counts.get(row.status, 0) + 1
        VillageAccess.objects.filter(pk__in=list(kept)).delete()  # villages gone since the last time
    log.info("village road access: %s", counts)
    return counts


def refresh_later() -> None:
    """Queue a refresh once the caller's transaction commits (a crossing closed or reopened)."""
    transaction.on_commit(lambda: dispatch.queue(TASK), robust=True)
