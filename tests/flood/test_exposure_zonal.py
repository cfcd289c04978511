"""Exposure arithmetic against a hand computation on a 10 × 10 grid of 10 m cells (real GeoTIFF, exactextract)."""

import numpy as np
import pytest
import rasterio
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin

from layers.flood import exposure

X0, Y0 = 500_000.0, 1_700_100.0  # UTM 48N, near Bắc Trà My
TO_LL = Transformer.from_crs(32648, 4326, always_xy=True)


def ll(geom):
    """A UTM geometry in lon/lat."""
    return shapely.transform(geom, lambda c: np.column_stack(TO_LL.transform(c[:, 0], c[:, 1])))


def box(x0, y0, x1, y1):
    return ll(shapely.box(X0 + x0, Y0 - 100 + y0, X0 + x1, Y0 - 100 + y1))


@pytest.fixture
def state(tmp_path):
    grid = np.zeros((10, 10), np.uint8)
    grid[0:2, :] = exposure.FLOOD  # 20 cells = 2000 m²
    grid[2, :] = exposure.WATER  # 10 cells = 1000 m²
    grid[3:5, 0:5] = exposure.UNKNOWN  # 10 cells = 1000 m²
    path = tmp_path / "state.tif"
    profile = dict(driver="GTiff", width=10, height=10, count=1, dtype="uint8", crs="EPSG:32648")
    with rasterio.open(path, "w", transform=from_origin(X0, Y0, 10, 10), **profile) as dst:
        dst.write(grid, 1)
    return str(path)


def test_zonal_areas_match_the_hand_computation(state):
    whole, half_out, corner = exposure.zonal(state, [box(0, 0, 100, 100), box(50, 50, 150, 100), box(0, 85, 15, 100)])
    rel = 2e-3  # lon/lat round trip and VN-2000 vs WGS 84 areas
    assert whole.area_m2 == pytest.approx(10_000, rel=rel)
    assert (whole.flooded_m2, whole.water_m2, whole.unknown_m2, whole.dry_m2) == pytest.approx(
        (2000, 1000, 1000, 6000), rel=rel
    )
    # Half outside the raster: the outside half is unknown, never dry.
    assert (half_out.flooded_m2, half_out.water_m2, half_out.unknown_m2, half_out.dry_m2) == pytest.approx(
        (1000, 500, 2500, 1000), rel=rel
    )
    assert half_out.unknown_share == pytest.approx(0.5, rel=rel)
    # 15 m × 15 m across four cells, partly covered: exact fractions, all flood.
    assert corner.area_m2 == pytest.approx(225, rel=rel)
    assert corner.flooded_share == pytest.approx(1.0, rel=rel)


def test_point_values_and_outside_is_unknown(state):
    points = [
        ll(shapely.Point(X0 + 5, Y0 - 5)),
        ll(shapely.Point(X0 + 5, Y0 - 35)),
        ll(shapely.Point(X0 + 95, Y0 - 95)),
        ll(shapely.Point(X0 + 500, Y0 - 5)),
    ]
    assert exposure.at_points(state, points).tolist() == [1, 255, 0, 255]


def test_road_length_in_flood_and_people_by_share():
    flood = box(0, 80, 100, 100)
    road = ll(shapely.LineString([(X0, Y0 - 5), (X0 + 200, Y0 - 5)]))
    total, wet = exposure.line_lengths([road], flood)
    assert total[0] == pytest.approx(200, rel=2e-3) and wet[0] == pytest.approx(100, rel=2e-3)
    assert exposure.people(np.array([400, 200]), np.array([0.5, 0.25])) == 250


def test_village_circles_have_the_radius_area(state):
    (circle,) = exposure.village_zones([ll(shapely.Point(X0 + 50, Y0 - 50))])
    (zone,) = exposure.zonal(state, [circle])
    assert zone.area_m2 == pytest.approx(np.pi * exposure.VILLAGE_RADIUS_M**2, rel=5e-3)
    # The 100 m raster is a small part of a 300 m circle: most of it is unknown, not dry.
    assert zone.unknown_share > 0.9
