"""The terrain profile between a transmitter and one receiver, and the ridge that blocks it.

Used to explain a village's status: which ridge (where, how high) shadows it from a tower.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .pathloss import EARTH_RADIUS_M, K_FACTOR, SPEED_OF_LIGHT


@dataclass(frozen=True)
class Obstruction:
    """The dominant edge of a profile: where it is and how far it rises into the path."""

    row: int
    col: int
    distance_m: float  # from the transmitter
    elevation_m: float  # ground height of the ridge (not curvature-corrected)
    clearance_m: float  # height above the tx-rx sightline (positive = blocks the line of sight)
    v: float  # Fresnel-Kirchhoff diffraction parameter


def sample(dem: np.ndarray, a_rc: tuple[float, float], b_rc: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Cell indices (rows, cols) of a straight profile from cell a to cell b, one sample per cell step."""
    steps = int(max(abs(b_rc[0] - a_rc[0]), abs(b_rc[1] - a_rc[1]), 1))
    t = np.linspace(0.0, 1.0, steps + 1)
    rows = np.clip(np.rint(a_rc[0] + (b_rc[0] - a_rc[0]) * t).astype(int), 0, dem.shape[0] - 1)
    cols = np.clip(np.rint(a_rc[1] + (b_rc[1] - a_rc[1]) * t).astype(int), 0, dem.shape[1] - 1)
    return rows, cols


def dominant_obstruction(
    dem: np.ndarray,
    tx_rc: tuple[int, int],
    rx_rc: tuple[int, int],
    *,
    cell_size: float,
    tx_height: float,
    rx_height: float = 1.5,
    freq_mhz: float = 1800.0,
    k_factor: float = K_FACTOR,
) -> Obstruction | None:
    """The point of the profile with the largest diffraction parameter v (Deygout's principal edge)."""
    rows, cols = sample(dem, tx_rc, rx_rc)
    if rows.size < 3:
        return None
    total = math.hypot(rx_rc[0] - tx_rc[0], rx_rc[1] - tx_rc[1]) * cell_size
    dist = np.linspace(0.0, total, rows.size)
    ground = dem[rows, cols].astype(np.float64)
    curved = ground - dist**2 / (2.0 * k_factor * EARTH_RADIUS_M)
    zt = curved[0] + tx_height
    zr = curved[-1] + rx_height
    inner = slice(1, rows.size - 1)
    d1 = dist[inner]
    d2 = total - d1
    line = zt + (zr - zt) * d1 / total
    h = curved[inner] - line
    wavelength = SPEED_OF_LIGHT / (freq_mhz * 1e6)
    v = h * np.sqrt(2.0 / wavelength * (1.0 / d1 + 1.0 / d2))
    i = int(np.argmax(v))
    return Obstruction(
        row=int(rows[1 + i]),
        col=int(cols[1 + i]),
        distance_m=float(d1[i]),
        elevation_m=float(ground[1 + i]),
        clearance_m=float(h[i]),
        v=float(v[i]),
    )
