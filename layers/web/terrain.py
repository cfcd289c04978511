"""Terrain shading of an elevation grid: hillshade, contour lines and a hypsometric tint (numpy only)."""

import numpy as np


def hillshade(elevation: np.ndarray, cell_size: float, azimuth: float = 315.0, altitude: float = 45.0) -> np.ndarray:
    """Hillshade (0..1) of an elevation grid with square cells of ``cell_size`` metres.

    The grid is expected to carry one extra cell on each side (it is trimmed off), so that tiles
    shaded separately join without seams. NaN cells shade as flat ground.
    """
    z = np.where(np.isfinite(elevation), elevation, np.nan).astype("float64")
    fill = np.nanmean(z) if np.isfinite(z).any() else 0.0
    z = np.where(np.isfinite(z), z, fill)
    # Central differences; rows grow southwards, so north is -dy.
    dzdx = (z[1:-1, 2:] - z[1:-1, :-2]) / (2.0 * cell_size)
    dzdy = (z[:-2, 1:-1] - z[2:, 1:-1]) / (2.0 * cell_size)
    slope = np.arctan(np.hypot(dzdx, dzdy))
    aspect = np.arctan2(dzdy, -dzdx)
    zenith = np.radians(90.0 - altitude)
    azimuth_math = np.radians((360.0 - azimuth + 90.0) % 360.0)
    shade = np.cos(zenith) * np.cos(slope) + np.sin(zenith) * np.sin(slope) * np.cos(azimuth_math - aspect)
    return np.clip(shade, 0.0, 1.0)


def contour_mask(elevation: np.ndarray, interval: float) -> np.ndarray:
    """Cells where the elevation crosses a multiple of ``interval`` towards the east or south neighbour."""
    if interval <= 0:
        raise ValueError("contour interval must be positive")
    valid = np.isfinite(elevation)
    band = np.floor(np.where(valid, elevation, 0.0) / interval)
    mask = np.zeros(elevation.shape, dtype=bool)
    mask[:, :-1] |= (band[:, :-1] != band[:, 1:]) & valid[:, :-1] & valid[:, 1:]
    mask[:-1, :] |= (band[:-1, :] != band[1:, :]) & valid[:-1, :] & valid[1:, :]
    return mask


def contour_interval(zoom: int) -> float:
    """A contour spacing that stays readable at this zoom (metres)."""
    if zoom >= 15:
        return 20.0
    if zoom >= 13:
        return 50.0
    if zoom >= 11:
        return 100.0
    return 200.0


# Hypsometric tint stops: elevation (m) -> RGB, low valleys green, high ridges brown.
TINT_STOPS = (
    (0.0, (200, 225, 180)),
    (400.0, (215, 230, 170)),
    (900.0, (230, 220, 170)),
    (1500.0, (215, 190, 150)),
    (2600.0, (240, 235, 230)),
)


def tint(elevation: np.ndarray) -> np.ndarray:
    """RGB (uint8, shape HxWx3) colour of each cell from its elevation."""
    levels = np.array([s[0] for s in TINT_STOPS])
    colours = np.array([s[1] for s in TINT_STOPS], dtype="float64")
    e = np.where(np.isfinite(elevation), elevation, 0.0)
    out = np.empty(e.shape + (3,), dtype="float64")
    for channel in range(3):
        out[..., channel] = np.interp(e, levels, colours[:, channel])
    return out.astype("uint8")


def shade_rgba(elevation: np.ndarray, cell_size: float, zoom: int) -> np.ndarray:
    """RGBA image (uint8) of a padded elevation grid: tint x hillshade with contour lines; no-data transparent."""
    inner = elevation[1:-1, 1:-1]
    valid = np.isfinite(inner)
    shade = hillshade(elevation, cell_size)
    # Soften the shade so the tint stays visible: 0.55 .. 1.0
    factor = 0.55 + 0.45 * shade
    rgb = tint(inner).astype("float64") * factor[..., None]
    lines = contour_mask(inner, contour_interval(zoom))
    rgb[lines] = rgb[lines] * 0.55 + np.array([120.0, 80.0, 40.0]) * 0.45
    alpha = np.where(valid, 255, 0)
    return np.dstack([np.clip(rgb, 0, 255), alpha]).astype("uint8")
