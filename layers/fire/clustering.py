"""Space-time clustering of fire hotspots into events: numpy and scipy only, no Django.

Two hotspots belong to the same fire when they are within ``distance_m`` of each other and within
``window_s`` in time; the relation is chained (A-B and B-C puts A, B and C together), so a fire
seen on successive overpasses by different sensors stays one event.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8


def to_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on a sphere in metres (chord distance equals ground distance at fire scales, anywhere)."""
    lam = np.radians(np.asarray(lon, dtype="float64"))
    phi = np.radians(np.asarray(lat, dtype="float64"))
    cos_phi = np.cos(phi)
    return EARTH_RADIUS_M * np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def neighbour_pairs(
    lon: np.ndarray, lat: np.ndarray, t_s: np.ndarray, *, distance_m: float, window_s: float
) -> np.ndarray:
    """Index pairs (i, j) of hotspots within the distance and the time window of each other."""
    n = len(lon)
    if n < 2:
        return np.empty((0, 2), dtype=np.intp)
    xyz = to_xyz(lon, lat)
    t = np.asarray(t_s, dtype="float64")
    # Time scaled so that the window spans the same length as the distance: one 4-D box query
    # (Chebyshev norm) finds every candidate; the exact tests follow.
    scale = distance_m / window_s if window_s > 0 else 0.0
    points = np.column_stack((xyz, t * scale))
    tree = cKDTree(points)
    # A hair wider than the distance: a pair exactly at the limit (e.g. 24 h apart) must not depend on how the
    # scaled times round; the exact tests below decide.
    pairs = tree.query_pairs(r=distance_m * (1 + 1e-9) + 1e-6, p=np.inf, output_type="ndarray")
    if len(pairs) == 0:
        return pairs
    i, j = pairs[:, 0], pairs[:, 1]
    close = np.einsum("ij,ij->i", xyz[i] - xyz[j], xyz[i] - xyz[j]) <= distance_m * distance_m
    recent = np.abs(t[i] - t[j]) <= window_s
    return pairs[close & recent]


def cluster(lon: np.ndarray, lat: np.ndarray, t_s: np.ndarray, *, distance_m: float, window_s: float) -> np.ndarray:
    """A cluster label (0..k-1) for each hotspot; labels follow the order of first appearance."""
    n = len(lon)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    pairs = neighbour_pairs(lon, lat, t_s, distance_m=distance_m, window_s=window_s)
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # Renumber by first appearance so labels are stable for the same input order.
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    renumber = np.empty_like(order)
    renumber[order] = np.arange(len(order))
    return renumber[labels].astype(np.int64)


def lifecycle(last_seen_s: float, overpasses: int, now_s: float, *, out_after_s: float) -> str:
    """An event's status: out after ``out_after_s`` without detection, active once seen on two overpasses."""
    if now_s - last_seen_s > out_after_s:
        return "out"
    return "active" if overpasses > 1 else "new"
