"""The demo storm's files (two GFM passes, a discharge forecast) land through the real ingesters as one event."""

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest
import rasterio
import shapely
from django.core.management import call_command
from rasterio.transform import from_origin

from ingest.demo import frame, storm
from ingest.demo.terrain import ARCSEC, Terrain
from layers.flood.models import DischargeSeries, FloodEvent, FloodObservation

pytestmark = pytest.mark.django_db

PEAK = dt.datetime(2026, 10, 28, 22, 50, tzinfo=dt.UTC)


def small_valley():
    """A 100×100 arc-second valley with a river along its middle row, and a district around it."""
    size = 100
    rows = np.abs(np.arange(size) - size // 2).astype("float32")[:, None] * np.ones((1, size), "float32")
    west, north = 108.20, 15.36
    terrain = Terrain(
        elevation=200 + rows * 3,
        hand=rows,  # one metre above the bed per row away from the river
        river_distance=rows * 30.0,
        transform=from_origin(west, north, ARCSEC, ARCSEC),
    )
    x0, y0 = frame.to_xy(west, north - size * ARCSEC)
    x1, y1 = frame.to_xy(west + size * ARCSEC, north)
    district = shapely.box(float(x0) + 150, float(y0) + 150, float(x1) - 150, float(y1) - 150)
    middle_y = float(frame.to_xy(0, north - (size // 2 + 0.5) * ARCSEC)[1])
    river = shapely.LineString([(float(x0), middle_y), (float(x1), middle_y)]).intersection(district)
    return terrain, SimpleNamespace(district=district, clipped_rivers={"Sông Trường": river})


def test_the_storm_is_two_passes_of_one_event_and_a_discharge_wave(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    terrain, geo = small_valley()
    files = storm.write(terrain, geo, tmp_path / "storm", PEAK)
    for item in files["passes"]:
        call_command("ingest_raster", item["path"], "--kind", "flood")  # GFM found from the name
    points = ";".join(f"{p['lon']},{p['lat']},{p['name']},{p['river']}" for p in files["points"])
    call_command("ingest_raster", files["discharge"], "--kind", "discharge", "--points", points)

    event = FloodEvent.objects.get()
    peak, later = event.timeline()
    assert (peak.observed_at, later.observed_at) == (PEAK, PEAK + dt.timedelta(hours=48))
    assert peak.product == later.product == "gfm"
    assert peak.flooded_area_m2 > later.flooded_area_m2 > 0
    # The union of both passes: the receding pass lies inside the peak's water (up to simplification).
    assert peak.flooded_area_m2 <= event.max_flooded_area_m2 <= 1.05 * peak.flooded_area_m2
    with rasterio.open(peak.state_raster_path) as ds:
        values = set(np.unique(ds.read(1)).tolist())
    assert values == {0, 1, 2, 255}  # dry, flood, the river channel (permanent water), shadow and outside
    assert FloodObservation.objects.filter(unknown_area_m2__gt=0).count() == 2

    series = DischargeSeries.objects.get(river="Sông Trường")
    assert series.thresholds == {"2": 900.0, "5": 1500.0, "20": 2400.0}
    flows = list(series.values.order_by("time").values_list("value", flat=True))
    assert len(flows) == 10 and max(flows) > series.thresholds["2"] > flows[0]
