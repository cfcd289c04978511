"""Who can still reach the district town over the road network: pure graph code (numpy, scipy; no Django).

Roads are given as vertex arrays in a metric CRS. A road's end closer than ``snap_m`` to a vertex of
another becomes one node with it (that is how a side road ending on a main road joins it); roads that
only cross do not meet. Consecutive vertices are edges. Cutting a road is
blocking edges; a place is reachable when its nearest node is in the town's connected component.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.spatial import cKDTree

REACHABLE, CUT_OFF, NO_ROAD = "reachable", "cut_off", "no_road"


@dataclass(frozen=True)
class Network:
    """Nodes (x, y), edges as node pairs, each edge's length and the index of the road it belongs to."""

    nodes: np.ndarray
    edges: np.ndarray
    length: np.ndarray
    road: np.ndarray

    @property
    def midpoints(self) -> np.ndarray:
        """The middle of every edge (where blocking geometries are tested)."""
        return (self.nodes[self.edges[:, 0]] + self.nodes[self.edges[:, 1]]) / 2


def densify(line: np.ndarray, step_m: float) -> np.ndarray:
    """The line with vertices added so that no segment is longer than step_m."""
    line = np.asarray(line, dtype=float).reshape(-1, 2)
    if len(line) < 2:
        return line
    seg = np.hypot(*np.diff(line, axis=0).T)
    pieces = [line[:1]]
    for a, b, n in zip(line[:-1], line[1:], np.maximum(1, np.ceil(seg / step_m)).astype(int), strict=True):
        t = np.arange(1, n + 1)[:, None] / n
        pieces.append(a + t * (b - a))
    return np.vstack(pieces)


def build(lines: list[np.ndarray], snap_m: float = 15.0, step_m: float | None = None) -> Network:
    """A network from road vertex arrays (n×2 each); a road end within snap_m of a vertex merges with it.

    With step_m, lines are densified first so that a road ending on another road's segment meets a
    vertex of it (step_m should be at most twice snap_m for that).
    """
    parts = [np.asarray(line, dtype=float).reshape(-1, 2) for line in lines]
    if step_m:
        parts = [densify(part, step_m) for part in parts]
    if not parts:
        return Network(np.empty((0, 2)), np.empty((0, 2), int), np.empty(0), np.empty(0, int))
    points = np.vstack(parts)
    sizes = np.array([len(p) for p in parts])
    is_end = np.zeros(len(points), bool)
    is_end[np.cumsum(sizes) - 1] = True
    is_end[np.cumsum(sizes) - sizes] = True
    pairs = cKDTree(points).query_pairs(snap_m, output_type="ndarray")
    # Roads join where one ends on another; two roads that merely cross (a pass over, or lines drawn
    # across each other) do not meet.
    pairs = pairs[is_end[pairs[:, 0]] | is_end[pairs[:, 1]]] if len(pairs) else pairs
    n = len(points)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)) if len(pairs) else None
    if graph is None:
        labels = np.arange(n)
    else:
        _, labels = connected_components(graph, directed=False)
    count = labels.max() + 1
    # A merged node sits at the mean of its vertices.
    nodes = np.zeros((count, 2))
    np.add.at(nodes, labels, points)
    nodes /= np.bincount(labels, minlength=count)[:, None]
    edges, road = [], []
    start = 0
    for i, part in enumerate(parts):
        idx = labels[start : start + len(part)]
        start += len(part)
        keep = idx[:-1] != idx[1:]
        edges.append(np.column_stack([idx[:-1][keep], idx[1:][keep]]))
        road.append(np.full(int(keep.sum()), i))
    edges = np.vstack(edges).astype(int) if edges else np.empty((0, 2), int)
    length = np.hypot(*(nodes[edges[:, 0]] - nodes[edges[:, 1]]).T)
    return Network(nodes, edges, length, np.concatenate(road).astype(int))


def attach(net: Network, points_xy: np.ndarray, max_m: float) -> np.ndarray:
    """The nearest node of each point, or -1 when no road passes within max_m."""
    points_xy = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    if not len(net.nodes):
        return np.full(len(points_xy), -1)
    dist, idx = cKDTree(net.nodes).query(points_xy)
    return np.where(dist <= max_m, idx, -1)


def reachable_nodes(net: Network, source: int, blocked: np.ndarray | None = None) -> np.ndarray:
    """A boolean per node: reachable from the source node over edges that are not blocked."""
    n = len(net.nodes)
    open_edges = net.edges if blocked is None else net.edges[~np.asarray(blocked, bool)]
    graph = coo_matrix((np.ones(len(open_edges)), (open_edges[:, 0], open_edges[:, 1])), shape=(n, n)).tocsr()
    order = breadth_first_order(graph, source, directed=False, return_predecessors=False)
    out = np.zeros(n, bool)
    out[order] = True
    return out


def cut_off(
    net: Network, town_xy, places_xy, blocked: np.ndarray | None = None, attach_m: float = 1_000.0
) -> list[str]:
    """For each place: "reachable" from the town, "cut_off", or "no_road" (no road within attach_m)."""
    places = attach(net, places_xy, attach_m)
    town = attach(net, town_xy, attach_m)[0]
    if town < 0:
        raise ValueError("no road within reach of the town")
    ok = reachable_nodes(net, town, blocked)
    return [NO_ROAD if p < 0 else (REACHABLE if ok[p] else CUT_OFF) for p in places]


def blocked_near(net: Network, points_xy, radius_m: float) -> np.ndarray:
    """Edges passing within radius_m of any of the points (a closed crossing cuts the road it carries)."""
    points_xy = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    out = np.zeros(len(net.edges), bool)
    if not len(net.edges):
        return out
    a, b = net.nodes[net.edges[:, 0]], net.nodes[net.edges[:, 1]]
    ab = b - a
    denom = np.maximum((ab**2).sum(axis=1), 1e-12)
    for p in points_xy:
        t = np.clip(((p - a) * ab).sum(axis=1) / denom, 0.0, 1.0)
        out |= np.hypot(*(a + t[:, None] * ab - p).T) <= radius_m
    return out
