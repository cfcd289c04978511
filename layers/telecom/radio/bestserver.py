"""Combine per-tower received power into a best-server raster and classify it.

Thresholds (dBm) are on the quantity each technology's phones report: GSM RxLev (BCCH carrier
power), UMTS RSCP (CPICH) and LTE RSRP (one reference-signal resource element).
"""

from __future__ import annotations

import math

import numba
import numpy as np

NONE, WEAK, COVERED = 0, 1, 2
CLASS_NAMES = {NONE: "none", WEAK: "weak", COVERED: "covered"}

# (covered at or above, weak at or above); below the second value there is no usable service.
DEFAULT_THRESHOLDS = {
    "2G": (-95.0, -105.0),  # GSM RxLev: -95 reliable outdoor/in-car, -105 near the -102..-108 sensitivity
    "3G": (-100.0, -110.0),  # UMTS RSCP: -100 good, -110 edge of coverage
    "4G": (-105.0, -115.0),  # LTE RSRP: -105 covered, -115..-105 weak (issue #7)
}


def window(shape: tuple[int, int], center_rc: tuple[int, int], radius_cells: int) -> tuple[slice, slice]:
    """The slices of a square window of ``radius_cells`` around a cell, clipped to the grid."""
    r, c = center_rc
    return (
        slice(max(r - radius_cells, 0), min(r + radius_cells + 1, shape[0])),
        slice(max(c - radius_cells, 0), min(c + radius_cells + 1, shape[1])),
    )


def merge(best: np.ndarray, server: np.ndarray, power: np.ndarray, win: tuple[slice, slice], tower_index: int) -> None:
    """Fold one tower's power (over ``win``) into the best-server raster and its serving-tower index."""
    sub_best = best[win]
    stronger = power > sub_best
    sub_best[stronger] = power[stronger]
    server[win][stronger] = tower_index


@numba.njit(cache=True, fastmath=True, nogil=True)
def _merge_sectors(best, server, gain, tx_r, tx_c, eirps, azimuths, beamwidths, ftb, indices):
    rows, cols = gain.shape
    n = eirps.size
    top = eirps.max()  # the pattern is never above boresight: no sector can beat g + top
    for r in range(rows):
        for c in range(cols):
            g = gain[r, c]
            if not math.isfinite(g) or g + top <= best[r, c]:
                continue
            bearing = 0.0
            if n > 1 or beamwidths[0] < 360.0:
                bearing = math.degrees(math.atan2(c - tx_c, tx_r - r))
            for k in range(n):
                p = g + eirps[k]
                if beamwidths[k] < 360.0:
                    phi = bearing - azimuths[k]
                    if phi > 180.0:
                        phi -= 360.0
                    elif phi < -180.0:
                        phi += 360.0
                    x = phi / beamwidths[k]
                    p -= min(12.0 * x * x, ftb)
                if p > best[r, c]:
                    best[r, c] = p
                    server[r, c] = indices[k]


def merge_sectors(
    best: np.ndarray,
    server: np.ndarray,
    gain: np.ndarray,
    win: tuple[slice, slice],
    tx_rc: tuple[int, int],
    sectors: list[tuple[int, float, float | None, float]],
    front_to_back_db: float,
) -> None:
    """Fold the sectors of one site into the best-server raster in one pass over the site's window.

    ``gain`` is the site's terrain gain (received power for 0 dBm EIRP, omnidirectional) over
    ``win``; each sector is (index, eirp_dbm, azimuth_deg or None, beamwidth_deg) and adds its
    EIRP and 3GPP horizontal pattern -min(12 (phi/beamwidth)^2, front_to_back_db).
    """
    indices = np.array([s[0] for s in sectors], dtype=np.int32)
    eirps = np.array([s[1] for s in sectors], dtype=np.float64)
    azimuths = np.array([0.0 if s[2] is None else s[2] for s in sectors], dtype=np.float64)
    beamwidths = np.array([360.0 if s[2] is None else s[3] for s in sectors], dtype=np.float64)
    _merge_sectors(
        best[win], server[win], gain, tx_rc[0], tx_rc[1], eirps, azimuths, beamwidths, front_to_back_db, indices
    )


def classify(best: np.ndarray, thresholds: tuple[float, float]) -> np.ndarray:
    """Class per cell: 2 covered, 1 weak, 0 none (NaN/-inf power is none)."""
    covered_at, weak_at = thresholds
    out = np.zeros(best.shape, dtype=np.uint8)
    with np.errstate(invalid="ignore"):
        out[best >= weak_at] = WEAK
        out[best >= covered_at] = COVERED
    return out


def status_of(power_dbm: float, thresholds: tuple[float, float]) -> str:
    """The class name of one received power value."""
    covered_at, weak_at = thresholds
    if power_dbm is None or not np.isfinite(power_dbm):
        return "none"
    if power_dbm >= covered_at:
        return "covered"
    if power_dbm >= weak_at:
        return "weak"
    return "none"
