"""What happens after a flood observation is stored and grouped: exposure, who is cut off, alerts."""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def after_observation(observation_id):
    """Compute and keep the observation's exposure, then tell people of villages newly flooded or cut off."""
    from layers.crossings import floodalerts, impact
    from layers.flood.models import FloodObservation

    observation = FloodObservation.objects.filter(pk=observation_id).select_related("event").first()
    if observation is None:
        return None
    # The raster work first, outside any transaction; then the figures and the messages they cause are
    # written together, so that an alert is never lost nor told without its figures.
    figures = impact.assess(observation)
    with transaction.atomic():
        row = impact.save(observation, figures)
        told = floodalerts.tell(row)
    d = row.figures["district"]
    log.info(
        "flood exposure of observation %s: %s villages flooded, %s cut off, %s messages",
        observation_id,
        d["villages_flooded"],
        d["villages_cut_off"],
        told,
    )
    from layers.crossings import access

    access.refresh()  # the map's road-access layer follows the newest water
    return row
