"""The map's first load, as a browser makes it: page, catalogue, GeoJSON layers, tiles of the view.

Run by bench/load_test.py (loopback only, bounded users and time); locust 2.47.0 in its own venv.
"""

import math
import random

from locust import HttpUser, between, task

CENTER, ZOOM = (15.3, 108.18), 11  # the map's default view (settings LEAFLET_CONFIG)
BBOX = "107.95,15.10,108.40,15.45"  # the view's box, as the map asks layers drawn from GeoJSON
HEADERS = {"Accept-Encoding": "gzip", "Accept-Language": "vi"}


def view_tiles(z: int, span: int = 2) -> list[tuple[int, int, int]]:
    """The tiles a phone-sized view around the centre needs at zoom z."""
    lat, lon = CENTER
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return [(z, x + dx, y + dy) for dx in range(-span, span) for dy in range(-1, 2)]


class MapVisitor(HttpUser):
    """One person opening the map: every request of the first load, then a pause."""

    wait_time = between(1, 3)

    @task
    def first_load(self):
        """Page, catalogue, each layer's data in the initial view."""
        self.client.get("/map/", headers=HEADERS, name="map page")
        layers = self.client.get("/api/layers/", headers=HEADERS, name="catalogue").json()
        items = layers.get("layers", layers) if isinstance(layers, dict) else layers
        for layer in items:
            slug = layer.get("slug") or layer.get("id")
            if layer.get("prefer_tiles"):
                z = max(ZOOM, int(layer.get("min_zoom") or 0))
                for z_, x, y in view_tiles(z):
                    self.client.get(f"/tiles/{slug}/{z_}/{x}/{y}.pbf", headers=HEADERS, name="tile")
            else:
                self.client.get(
                    f"/api/layers/{slug}/features/?bbox={BBOX}&limit=1000", headers=HEADERS, name="GeoJSON layer"
                )
        # A person pans a little: one more row of tiles of a tiled layer at random.
        z, x, y = random.choice(view_tiles(ZOOM + 1))
        self.client.get(f"/tiles/fire-hotspots/{z}/{x}/{y}.pbf", headers=HEADERS, name="tile")
