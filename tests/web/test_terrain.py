"""The pure terrain and tile maths of the offline base map (numpy only, no database)."""

import math

import numpy as np
import pytest

from layers.web import terrain, tilemath


def test_flat_ground_is_lit_by_the_sun_altitude_alone():
    shade = terrain.hillshade(np.full((6, 6), 500.0), cell_size=30.0, altitude=45.0)
    assert shade.shape == (4, 4)
    assert np.allclose(shade, math.cos(math.radians(45.0)))


def test_slope_facing_the_north_west_sun_is_brighter_than_one_facing_away():
    x = np.arange(10, dtype=float)
    rising_east = np.tile(x * 30.0, (10, 1))  # faces west (towards the 315° sun)
    rising_west = rising_east[:, ::-1]  # faces east (away from it)
    lit = terrain.hillshade(rising_east, cell_size=30.0).mean()
    dark = terrain.hillshade(rising_west, cell_size=30.0).mean()
    assert lit > dark + 0.3


def test_contours_mark_where_elevation_crosses_the_interval():
    grid = np.tile(np.array([90.0, 95.0, 105.0, 110.0]), (3, 1))
    mask = terrain.contour_mask(grid, interval=100.0)
    assert mask[:, 1].all() and not mask[:, 0].any() and not mask[:, 2:].any()
    with pytest.raises(ValueError):
        terrain.contour_mask(grid, 0)


def test_nodata_cells_become_transparent():
    grid = np.full((6, 6), 300.0)
    grid[1, 1] = np.nan
    rgba = terrain.shade_rgba(grid, cell_size=30.0, zoom=12)
    assert rgba.shape == (4, 4, 4)
    assert rgba[0, 0, 3] == 0 and rgba[2, 2, 3] == 255


def test_tile_bounds_and_pixels_agree():
    z, x, y = 12, 3277, 1931
    west, south, east, north = tilemath.bounds_lonlat(z, x, y)
    px, py = tilemath.to_pixel(west, north, z, x, y)
    assert abs(px) < 1e-6 and abs(py) < 1e-6
    px, py = tilemath.to_pixel(east, south, z, x, y)
    assert abs(px - 256) < 1e-6 and abs(py - 256) < 1e-6


@pytest.mark.parametrize("z,x,y", [(19, 0, 0), (-1, 0, 0), (3, -1, 0), (3, 0, 8), (0, 1, 0)])
def test_tile_addresses_outside_the_pyramid_are_refused(z, x, y):
    with pytest.raises(tilemath.TileOutOfRange):
        tilemath.check(z, x, y, max_zoom=18)
