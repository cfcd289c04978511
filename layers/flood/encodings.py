"""What each flood product's pixel values mean, turned into one state per pixel (pure numpy, no Django).

The state every product is decoded into: 0 dry, 1 flood, 2 permanent (reference) water, 255 unknown
(no data, excluded, insufficient data). Permanent water is never flood; unknown is never dry.
"""

from __future__ import annotations

import numpy as np

DRY, FLOOD, PERMANENT, UNKNOWN = 0, 1, 2, 255
NODATA = 255
DEFAULT_LIKELIHOOD_THRESHOLD = 50

# What is stored with each asset: the meaning of its values, in words.
ENCODINGS = {
    "gfm": {
        "observed_flood": {"0": "no flood", "1": "flood", "255": "no data"},
        "reference_water": {"0": "no water", "1": "permanent water", "2": "seasonal water", "255": "no data"},
        "exclusion_mask": {"0": "not excluded", "1": "excluded", "255": "no data"},
        "likelihood": {"0-100": "flood likelihood %", "255": "no data"},
        "advisory_flags": {"0": "none", ">0": "advisory bit flags"},
    },
    "nrt": {"0": "no water", "1": "surface water", "2": "recurring flood", "3": "flood", "255": "insufficient data"},
    "s1": {"1": "water", "0": "dry", "nodata": "no data"},
    "state": {"0": "dry", "1": "flood", "2": "permanent water", "255": "unknown"},
}


def combine(flood: np.ndarray, permanent: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """The state grid from three boolean grids; unknown wins over permanent water, which wins over flood."""
    state = np.where(flood, FLOOD, DRY).astype(np.uint8)
    state[permanent] = PERMANENT
    state[unknown] = UNKNOWN
    return state


def gfm(
    observed: np.ndarray | None = None,
    *,
    reference: np.ndarray | None = None,
    exclusion: np.ndarray | None = None,
    likelihood: np.ndarray | None = None,
    threshold: int | None = None,
) -> np.ndarray:
    """Copernicus GFM layers to states: the observed flood extent, or likelihood ≥ threshold when one is asked for.

    255 is no data in every layer; excluded pixels are unknown; reference water value 1 is permanent.
    """
    layers = [a for a in (observed, reference, exclusion, likelihood) if a is not None]
    if not layers:
        raise ValueError("GFM needs the observed flood extent or the likelihood")
    shape = layers[0].shape
    unknown = np.zeros(shape, bool)
    use_likelihood = likelihood is not None and (threshold is not None or observed is None)
    if use_likelihood:
        cut = DEFAULT_LIKELIHOOD_THRESHOLD if threshold is None else threshold
        unknown |= likelihood > 100
        flood = (likelihood >= cut) & (likelihood <= 100)
    else:
        unknown |= observed == NODATA
        flood = observed == 1
    if exclusion is not None:
        unknown |= (exclusion == 1) | (exclusion == NODATA)
    permanent = reference == 1 if reference is not None else np.zeros(shape, bool)
    return combine(flood, permanent, unknown)


def nrt(values: np.ndarray, flood_values: tuple[int, ...] = (2, 3)) -> np.ndarray:
    """MODIS/VIIRS NRT (MCDWD-style): 0 none, 1 surface water, 2 recurring flood, 3 flood, 255 insufficient."""
    known = np.isin(values, (0, 1, 2, 3))
    return combine(np.isin(values, flood_values), values == 1, ~known)


def s1(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """A plain Sentinel-1 water mask: 1 water (taken as flood), 0 dry, anything else or nodata unknown."""
    known = valid & np.isin(values, (0, 1))
    return combine(known & (values == 1), np.zeros(values.shape, bool), ~known)


def counts(state: np.ndarray) -> dict[str, int]:
    """Pixels per state, by name."""
    return {
        "dry": int(np.count_nonzero(state == DRY)),
        "flood": int(np.count_nonzero(state == FLOOD)),
        "permanent_water": int(np.count_nonzero(state == PERMANENT)),
        "unknown": int(np.count_nonzero(state == UNKNOWN)),
    }
