"""Received power around one transmitter: free-space loss plus knife-edge diffraction over terrain.

Rays are cast from the transmitter to every cell on the border of its square window (the "R2"
sweep): stepping one cell along the major axis, every cell of the window is on at least one ray,
and the work is O(cells). Along a ray the terrain profile is known incrementally, so two edges are
tracked as the ray advances, in O(1) per cell:

* edge 1: the transmitter's horizon (the point of greatest elevation angle seen from the antenna);
* edge 2: the horizon seen from edge 1 towards the receiver (the next ridge behind it).

The diffraction loss is the Epstein-Peterson sum J(v1) + J(v2) of the knife-edge losses of
ITU-R P.526 (eq. 31): J(v) = 6.9 + 20 log10(sqrt((v - 0.1)^2 + 1) + v - 0.1) for v > -0.78, else 0,
with v = h sqrt(2/lambda (1/d1 + 1/d2)) for an edge h metres above the line joining its neighbours.
Earth curvature with refraction factor k (4/3) lowers the terrain by d^2 / (2 k R).

Received power = EIRP + antenna pattern - (free-space loss + diffraction loss), where the
horizontal pattern of a sector antenna is the 3GPP TR 36.814 one:
A(phi) = -min(12 (phi / beamwidth)^2, front_to_back_db).
"""

from __future__ import annotations

import math

import numba
import numpy as np

EARTH_RADIUS_M = 6371000.0
K_FACTOR = 4.0 / 3.0
SPEED_OF_LIGHT = 299792458.0
FRONT_TO_BACK_DB = 25.0  # A_m of the 3GPP horizontal pattern


def free_space_loss_db(distance_m, freq_mhz):
    """Free-space path loss in dB (ITU-R P.525): 32.45 + 20 log10(f MHz) + 20 log10(d km)."""
    d_km = np.maximum(np.asarray(distance_m, dtype=np.float64), 1.0) / 1000.0
    return 32.45 + 20.0 * np.log10(freq_mhz) + 20.0 * np.log10(d_km)


def free_space_range_m(budget_db: float, freq_mhz: float) -> float:
    """The distance at which free-space loss equals ``budget_db`` (the closed form of the disc radius)."""
    return 1000.0 * 10 ** ((budget_db - 32.45 - 20.0 * math.log10(freq_mhz)) / 20.0)


@numba.njit(cache=True, inline="always")
def knife_edge_db(v):
    """ITU-R P.526 single knife-edge loss J(v) in dB (0 below v = -0.78)."""
    if v <= -0.78:
        return 0.0
    w = v - 0.1
    return 6.9 + 20.0 * math.log10(math.sqrt(w * w + 1.0) + w)


# J(v) tabulated every 0.005 from -0.78 to 100 (linear interpolation is within 0.01 dB).
_J_STEP = 0.005
_J_V0 = -0.78
_J_TABLE = np.array(
    [
        0.0 if v <= -0.78 else 6.9 + 20.0 * math.log10(math.sqrt((v - 0.1) ** 2 + 1.0) + v - 0.1)
        for v in np.arange(_J_V0, 100.0 + _J_STEP, _J_STEP)
    ]
)


@numba.njit(cache=True, inline="always")
def _edge_loss(h_edge, d_edge, h_a, d_a, h_b, d_b, inv_wavelength2, table):
    # Knife-edge loss of an edge between terminals a and b; most edges are well clear of the
    # path, so v is only formed (one sqrt) when the clearance is inside the v > -0.78 region.
    d1 = d_edge - d_a
    d2 = d_b - d_edge
    if d1 <= 0.0 or d2 <= 0.0:
        return 0.0
    h = h_edge - (h_a + (h_b - h_a) * d1 / (d_b - d_a))
    q = inv_wavelength2 * (1.0 / d1 + 1.0 / d2)
    if h < 0.0 and h * h * q >= 0.6084:
        return 0.0
    v = h * math.sqrt(q)
    x = (v - _J_V0) / _J_STEP
    if x <= 0.0:
        return 0.0
    i = int(x)
    if i >= table.size - 1:
        return 6.9 + 20.0 * math.log10(math.sqrt((v - 0.1) ** 2 + 1.0) + v - 0.1)
    f = x - i
    return table[i] * (1.0 - f) + table[i + 1] * f


@numba.njit(cache=True, fastmath=True)
def _sweep(dem, trow, tcol, tx_h, rx_h, cell, freq_mhz, eirp, azimuth, beamwidth, ftb, k, max_dist, out, los, table):
    nrows, ncols = dem.shape
    iw2 = 2.0 * freq_mhz * 1e6 / SPEED_OF_LIGHT  # 2 / wavelength
    bend = 1.0 / (2.0 * k * EARTH_RADIUS_M)
    fspl0 = 32.45 + 20.0 * math.log10(freq_mhz)
    zt = dem[trow, tcol] + tx_h
    radius = max(int(math.ceil(max_dist / cell)), 1)
    directional = beamwidth < 360.0 and not math.isnan(azimuth)
    out[trow, tcol] = max(out[trow, tcol], eirp - (fspl0 + 20.0 * math.log10(cell / 2000.0)))
    los[trow, tcol] = 1
    # One ray to every border cell of the (2 radius + 1)^2 square around the transmitter.
    nrays = 8 * radius
    fr = np.empty(nrays)
    fc = np.empty(nrays)
    step_d = np.empty(nrays)
    step_db = np.empty(nrays)
    gain = np.zeros(nrays)
    alive = np.ones(nrays, dtype=np.bool_)
    # Per-ray state of the two edges (height, distance, elevation slope), updated step by step.
    m1 = np.full(nrays, -1e30)
    z1 = np.zeros(nrays)
    d1 = np.zeros(nrays)
    m2 = np.full(nrays, -1e30)
    z2 = np.zeros(nrays)
    d2 = np.zeros(nrays)
    has1 = np.zeros(nrays, dtype=np.bool_)
    has2 = np.zeros(nrays, dtype=np.bool_)
    for b in range(nrays):
        side = b // (2 * radius)
        off = b % (2 * radius) - radius
        if side == 0:
            dr, dc = -radius, off
        elif side == 1:
            dr, dc = off, radius
        elif side == 2:
            dr, dc = radius, -off
        else:
            dr, dc = -off, -radius
        fr[b] = dr / radius
        fc[b] = dc / radius
        step_d[b] = math.sqrt(dr * dr + dc * dc) * cell / radius
        step_db[b] = fspl0 + 20.0 * math.log10(step_d[b] / 1000.0)
        if directional:
            bearing = math.degrees(math.atan2(dc, -dr))  # clockwise from north (rows grow southward)
            phi = (bearing - azimuth + 540.0) % 360.0 - 180.0
            gain[b] = -min(12.0 * (phi / beamwidth) ** 2, ftb)
    # Ring by ring (all rays advance one step together): neighbouring rays touch neighbouring
    # cells, so the grid is walked with good cache locality instead of one long ray at a time.
    for s in range(1, radius + 1):
        log_s = 20.0 * math.log10(s)
        for b in range(nrays):
            if not alive[b]:
                continue
            r = int(math.floor(trow + 0.5 + fr[b] * s))
            c = int(math.floor(tcol + 0.5 + fc[b] * s))
            d = step_d[b] * s
            if r < 0 or r >= nrows or c < 0 or c >= ncols or d > max_dist:
                alive[b] = False
                continue
            zc = dem[r, c] - d * d * bend
            zr = zc + rx_h
            loss = 0.0
            if has1[b]:
                if has2[b]:
                    loss = _edge_loss(z1[b], d1[b], zt, 0.0, z2[b], d2[b], iw2, table) + _edge_loss(
                        z2[b], d2[b], z1[b], d1[b], zr, d, iw2, table
                    )
                else:
                    loss = _edge_loss(z1[b], d1[b], zt, 0.0, zr, d, iw2, table)
            power = eirp + gain[b] - (step_db[b] + log_s + loss)
            if power > out[r, c]:
                out[r, c] = power
            if (zr - zt) / d >= m1[b]:
                los[r, c] = 1
            # This point becomes an edge for the receivers farther along the ray.
            slope = (zc - zt) / d
            if slope > m1[b]:
                m1[b] = slope
                z1[b] = zc
                d1[b] = d
                has1[b] = True
                has2[b] = False
                m2[b] = -1e30
            else:
                slope2 = (zc - z1[b]) / (d - d1[b])
                if slope2 > m2[b]:
                    m2[b] = slope2
                    z2[b] = zc
                    d2[b] = d
                    has2[b] = True


def received_power(
    dem: np.ndarray,
    tx_rc: tuple[int, int],
    *,
    cell_size: float,
    tx_height: float,
    rx_height: float = 1.5,
    freq_mhz: float,
    eirp_dbm: float,
    max_distance: float,
    azimuth_deg: float | None = None,
    beamwidth_deg: float = 360.0,
    front_to_back_db: float = FRONT_TO_BACK_DB,
    k_factor: float = K_FACTOR,
) -> tuple[np.ndarray, np.ndarray]:
    """Received power (dBm, float32, -inf beyond range) and a ray line-of-sight flag per cell.

    ``dem`` is a north-up metric grid with square cells of ``cell_size`` metres (no NaN);
    ``eirp_dbm`` is the effective radiated power of the measured signal (e.g. RSRP reference power).
    """
    dem = np.ascontiguousarray(dem, dtype=np.float32)
    out = np.full(dem.shape, -np.inf, dtype=np.float32)
    los = np.zeros(dem.shape, dtype=np.uint8)
    az = float("nan") if azimuth_deg is None else float(azimuth_deg)
    _sweep(
        dem,
        int(tx_rc[0]),
        int(tx_rc[1]),
        float(tx_height),
        float(rx_height),
        float(cell_size),
        float(freq_mhz),
        float(eirp_dbm),
        az,
        float(beamwidth_deg),
        float(front_to_back_db),
        float(k_factor),
        float(max_distance),
        out,
        los,
        _J_TABLE,
    )
    return out, los


def bearings(shape: tuple[int, int], tx_rc: tuple[int, int]) -> np.ndarray:
    """Bearing (degrees clockwise from grid north) from the transmitter cell to every cell."""
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    return np.degrees(np.arctan2(cols - tx_rc[1], tx_rc[0] - rows)).astype(np.float32)


def sector_gain_db(bearing_deg, azimuth_deg: float, beamwidth_deg: float, front_to_back_db: float = FRONT_TO_BACK_DB):
    """3GPP TR 36.814 horizontal pattern relative to boresight: -min(12 (phi/phi3dB)^2, A_m) dB."""
    phi = (np.asarray(bearing_deg) - azimuth_deg + 540.0) % 360.0 - 180.0
    return -np.minimum(12.0 * (phi / beamwidth_deg) ** 2, front_to_back_db)
