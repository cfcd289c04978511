"""Line-of-sight viewshed on a metric DEM grid, one scan outward from the observer (numba).

The method is the reference-plane scan of Wang, Robinson & White (2000), "Generating viewsheds
without using sightlines" (PE&RS 66(1):87-90), in its "edge" form: each cell's horizon height is
extrapolated from the two already-processed neighbours nearer the observer, so the whole grid is
visited once (O(cells)) instead of once per sightline. This is the same family of algorithm as
GDAL's ``gdal_viewshed``, which keeps our results comparable cell for cell.

Earth curvature and refraction: heights are lowered by ``cc * r**2 / D`` where ``r`` is the
horizontal distance, ``D`` the earth's diameter and ``cc = 1/k`` (k = 4/3 for radio gives 0.75;
``gdal_viewshed -cc`` uses 0.85714 for light by default).
"""

from __future__ import annotations

import numba
import numpy as np

EARTH_DIAMETER_M = 2 * 6378137.0  # WGS84 semi-major axis x 2, as GDAL takes it from the CRS
RADIO_CURVATURE_COEFF = 0.75  # 1/k with k = 4/3 (standard atmosphere)

VISIBLE = np.uint8(1)
HIDDEN = np.uint8(0)
OUT_OF_RANGE = np.uint8(2)


@numba.njit(cache=True, inline="always")
def _line(i, za, zo):
    # Straight continuation of the sightline through the neighbour on the same axis.
    if i == 1:
        return za
    return (za - zo) / (i - 1) + za


@numba.njit(cache=True, inline="always")
def _edge(i, j, za, zb, zo):
    # i <= j: interpolate the horizon between the diagonal (za) and axis (zb) neighbours.
    if i == j:
        return _line(i, za, zo)
    return ((za - zo) * i + (zb - zo) * (j - i)) / (j - 1) + zo


@numba.njit(cache=True, nogil=True)
def _scan(dem, orow, ocol, obs_h, tgt_h, dx, dy, cc, diameter, max_dist):
    nrows, ncols = dem.shape
    horizon = np.empty((nrows, ncols), dtype=np.float64)
    out = np.full((nrows, ncols), OUT_OF_RANGE, dtype=np.uint8)
    max2 = max_dist * max_dist if max_dist > 0 else np.inf
    drop = cc / diameter if diameter > 0 else 0.0
    zo = dem[orow, ocol] + obs_h
    horizon[orow, ocol] = dem[orow, ocol]
    out[orow, ocol] = VISIBLE
    # Rows in scan order: the observer row, then upward, then downward (each uses the row before).
    for phase in range(3):
        if phase == 0:
            r_start, r_stop, step = orow, orow + 1, 1
        elif phase == 1:
            r_start, r_stop, step = orow - 1, -1, -1
        else:
            r_start, r_stop, step = orow + 1, nrows, 1
        for r in range(r_start, r_stop, step):
            j = abs(r - orow)
            prev = r - step  # the row nearer the observer
            ydist = j * dy
            for side in range(3):  # 0: observer column, 1: leftward, 2: rightward
                if side == 0:
                    if j == 0:
                        continue
                    c_start, c_stop, cstep = ocol, ocol + 1, 1
                elif side == 1:
                    c_start, c_stop, cstep = ocol - 1, -1, -1
                else:
                    c_start, c_stop, cstep = ocol + 1, ncols, 1
                for c in range(c_start, c_stop, cstep):
                    i = abs(c - ocol)
                    xdist = i * dx
                    r2 = xdist * xdist + ydist * ydist
                    if r2 > max2:
                        break  # farther cells on this row are out of range too
                    z = dem[r, c] - drop * r2
                    if j == 0:
                        if i == 1:
                            horizon[r, c] = z
                            out[r, c] = VISIBLE
                            continue
                        ref = _line(i, horizon[r, c - cstep], zo)
                    elif i == 0:
                        ref = _line(j, horizon[prev, c], zo)
                    elif i >= j:
                        ref = _edge(j, i, horizon[prev, c - cstep], horizon[r, c - cstep], zo)
                    else:
                        ref = _edge(i, j, horizon[prev, c - cstep], horizon[prev, c], zo)
                    out[r, c] = VISIBLE if z + tgt_h >= ref else HIDDEN
                    horizon[r, c] = z if z >= ref else ref
    return out


def viewshed(
    dem: np.ndarray,
    observer_rc: tuple[int, int],
    *,
    observer_height: float,
    target_height: float = 1.5,
    cell_size: tuple[float, float] = (30.0, 30.0),
    curvature_coeff: float = RADIO_CURVATURE_COEFF,
    max_distance: float = 0.0,
    earth_diameter: float = EARTH_DIAMETER_M,
) -> np.ndarray:
    """Visibility of every cell from an observer: uint8 1 visible, 0 hidden, 2 beyond max_distance.

    ``dem`` is a north-up grid in a metric CRS with square-ish cells of ``cell_size`` (x, y) metres;
    ``observer_rc`` the observer's (row, col); heights are above the ground; ``max_distance`` 0 = no limit.
    NaN cells (no data) should be filled by the caller: they propagate as "not visible".
    """
    # float32 (as DEMs are stored) and float64 grids are both scanned as they are, without a copy.
    dem = np.ascontiguousarray(dem if dem.dtype in (np.float32, np.float64) else dem.astype(np.float64))
    row, col = int(observer_rc[0]), int(observer_rc[1])
    if not (0 <= row < dem.shape[0] and 0 <= col < dem.shape[1]):
        raise ValueError("the observer lies outside the DEM")
    return _scan(
        dem,
        row,
        col,
        float(observer_height),
        float(target_height),
        abs(float(cell_size[0])),
        abs(float(cell_size[1])),
        float(curvature_coeff),
        float(earth_diameter),
        float(max_distance),
    )
