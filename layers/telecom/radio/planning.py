"""Site planning: candidate sites from the terrain and a greedy maximal-covering choice of k sites.

The maximal covering location problem (Church & ReVelle 1974): choose k sites so that the
population of the demand points they newly cover is largest. Coverage is submodular, so the greedy
choice is within (1 - 1/e) of the optimum (Nemhauser, Wolsey & Fisher 1978); we also report the
data-dependent upper bound min_i (greedy value after i picks + sum of the k best marginal gains at
that point), which is usually far tighter than the a priori factor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage


@dataclass
class Choice:
    """One chosen site: its candidate index, the demand points it adds and their weight."""

    candidate: int
    added: list[int]
    gain: float


@dataclass
class Plan:
    """The greedy answer: the chosen sites in order, the total gain and an upper bound on the optimum."""

    choices: list[Choice] = field(default_factory=list)
    total: float = 0.0
    upper_bound: float = 0.0


def greedy_mclp(covers: np.ndarray, weights: np.ndarray, k: int) -> Plan:
    """Choose up to ``k`` candidates (rows of the boolean ``covers`` matrix, candidates x demand points)."""
    covers = np.asarray(covers, dtype=bool)
    weights = np.asarray(weights, dtype=np.float64)
    if covers.ndim != 2 or covers.shape[1] != weights.size:
        raise ValueError("covers must be candidates x demand points, matching weights")
    remaining = np.ones(weights.size, dtype=bool)
    plan = Plan(upper_bound=float("inf"))
    used = np.zeros(covers.shape[0], dtype=bool)
    for _ in range(max(int(k), 0)):
        gains = covers[:, remaining] @ weights[remaining] if remaining.any() else np.zeros(covers.shape[0])
        gains = np.where(used, -1.0, gains)
        top = np.sort(gains[gains > 0])[::-1][:k]
        plan.upper_bound = min(plan.upper_bound, plan.total + float(top.sum()))
        best = int(np.argmax(gains)) if gains.size else -1
        if best < 0 or gains[best] <= 0:
            break
        added = np.flatnonzero(covers[best] & remaining)
        plan.choices.append(Choice(candidate=best, added=added.tolist(), gain=float(gains[best])))
        plan.total += float(gains[best])
        remaining[added] = False
        used[best] = True
    plan.upper_bound = max(min(plan.upper_bound, float(weights.sum())), plan.total)
    return plan


def hilltops(
    dem: np.ndarray, *, neighbourhood: int = 15, limit: int = 40, mask: np.ndarray | None = None
) -> np.ndarray:
    """(row, col) of local maxima of the DEM (highest first), optionally only where ``mask`` is true."""
    filled = np.where(np.isfinite(dem), dem, -np.inf)
    peaks = (filled == ndimage.maximum_filter(filled, size=neighbourhood, mode="nearest")) & np.isfinite(dem)
    if mask is not None:
        peaks &= mask
    rows, cols = np.nonzero(peaks)
    order = np.argsort(-filled[rows, cols], kind="stable")[:limit]
    return np.column_stack([rows[order], cols[order]])


def grid_points(shape: tuple[int, int], spacing_cells: int, mask: np.ndarray | None = None) -> np.ndarray:
    """(row, col) of a regular grid of candidate cells, optionally only where ``mask`` is true."""
    half = spacing_cells // 2
    rows, cols = np.meshgrid(
        np.arange(half, shape[0], spacing_cells), np.arange(half, shape[1], spacing_cells), indexing="ij"
    )
    points = np.column_stack([rows.ravel(), cols.ravel()])
    if mask is not None:
        points = points[mask[points[:, 0], points[:, 1]]]
    return points
