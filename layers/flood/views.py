"""Flood on the map: the observations for the time control and PNG tiles of their state and likelihood."""

from __future__ import annotations

from django.contrib.gis.db.models import Extent
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from geoplatform.errors import NotFound, PlatformError
from layers.places.models import District
from layers.registry import registry

from . import tiles
from .models import FloodObservation

# The registry layer whose read list governs the flood rasters (the flood theme's layer).
LAYER = "flood-extents"
KINDS = {"flood": "state", "flood-likelihood": "likelihood"}


class TileOutOfRange(PlatformError):
    """A flood tile address outside the served zoom range or the tile pyramid."""

    code = "tile_out_of_range"


def _readable(request):
    layer = registry.get(LAYER)
    if layer is None or not layer.can_read(request.user):
        raise NotFound(_("Không có lớp ngập lụt"), field="layer")
    return layer


@require_GET
def observations(request):
    """Every flood observation in time order: what the map's time control steps through."""
    _readable(request)
    rows = []
    for obs in FloodObservation.objects.select_related("event").order_by("observed_at", "pk"):
        local = timezone.localtime(obs.observed_at)
        rows.append(
            {
                "id": obs.pk,
                "product": obs.get_product_display(),
                "observed_at": obs.observed_at.isoformat(),
                "label": f"{local:%d/%m/%Y %H:%M}",
                "event": obs.event.name if obs.event else "",
                "flooded_km2": round(obs.flooded_area_m2 / 1e6, 2),
                "unknown_km2": round(obs.unknown_area_m2 / 1e6, 2),
                "likelihood": bool(obs.likelihood_raster),
            }
        )
    return JsonResponse({"observations": rows})


def _district_overlaps(z: int, x: int, y: int) -> bool:
    """Tiles are drawn over the district only: elsewhere the answer is an empty tile, nothing read."""
    extent = District.objects.aggregate(box=Extent("geom"))["box"]
    if extent is None:
        return True
    west, south, east, north = tiles.lonlat_bounds(z, x, y)
    return not (east < extent[0] or west > extent[2] or north < extent[1] or south > extent[3])


@require_GET
def tile(request, kind: str, pk: int, z: int, x: int, y: int):
    """One PNG tile of an observation's flood state ("flood") or GFM likelihood ("flood-likelihood")."""
    layer = _readable(request)
    if kind not in KINDS:
        raise NotFound(_("Không có loại ô ảnh này"), field="kind")
    if not tiles.in_range(z, x, y):
        message = _("Ô ảnh ngoài phạm vi: mức thu phóng %(low)s–%(high)s, 0 ≤ x, y < 2^z")
        raise TileOutOfRange(message % {"low": tiles.MIN_ZOOM, "high": tiles.MAX_ZOOM}, field="z")
    obs = FloodObservation.objects.filter(pk=pk).first()
    if obs is None:
        raise NotFound(_("Không có lần quan sát ngập này"), field="observation")
    path = obs.state_raster_path if KINDS[kind] == "state" else obs.likelihood_raster
    if not path:
        raise NotFound(_("Lần quan sát này không có lớp xác suất ngập"), field="kind")
    body = tiles.render(path, KINDS[kind], z, x, y) if _district_overlaps(z, x, y) else tiles.png(None)
    response = HttpResponse(body, content_type="image/png")
    response["Cache-Control"] = ("public" if layer.public else "private") + ", max-age=3600"
    return response
