"""Benchmark: village and parcel exposure (layers.flood.exposure.zonal) vs exactextract called directly.

Run: python bench/flood_exposure.py   (no database; BENCH_SIZE, BENCH_PARCELS, BENCH_VILLAGES to change it)
The exactextract wheel (0.3.0) ships no command-line tool, so the peer is exactextract's own Python
API called directly on the same raster and the same polygons already in the raster's CRS, with the same
operations (unique, frac, count): what the `exactextract` command would compute. Ours adds the
lon/lat → raster CRS transformation, the metric zone areas and the unknown-outside-the-raster rule.
Prints both times, the ratio (goal ≤ 1.5×), the peak memory and that the flooded areas agree.
"""

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from exactextract import exact_extract
from pyproj import Transformer
from rasterio.transform import from_origin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.flood import exposure  # noqa: E402

SIZE = int(os.environ.get("BENCH_SIZE", 4000))  # cells a side, 10 m: a 40 km square
PARCELS = int(os.environ.get("BENCH_PARCELS", 20_000))
VILLAGES = int(os.environ.get("BENCH_VILLAGES", 500))
X0, Y0, CELL = 520_000.0, 1_720_000.0, 10.0  # UTM 48N over Bắc Trà My


def state_raster(path: Path, rng) -> None:
    """Dry land with valley-shaped flood bands, permanent water along them and an unknown swath."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    river = np.abs(yy - SIZE / 2 - 0.25 * SIZE * np.sin(xx / SIZE * 6.0))
    grid = np.zeros((SIZE, SIZE), np.uint8)
    grid[river < SIZE * 0.03] = exposure.FLOOD
    grid[river < SIZE * 0.005] = exposure.WATER
    grid[:, : SIZE // 10] = exposure.UNKNOWN
    profile = dict(driver="GTiff", width=SIZE, height=SIZE, count=1, dtype="uint8", crs="EPSG:32648")
    profile.update(tiled=True, blockxsize=512, blockysize=512, compress="deflate")
    with rasterio.open(path, "w", transform=from_origin(X0, Y0, CELL, CELL), **profile) as dst:
        dst.write(grid, 1)


def zones(rng):
    """Parcels (20-60 m rectangles) and village circles (300 m) in UTM, spread over the raster."""
    span = SIZE * CELL
    px = X0 + rng.uniform(0, span, PARCELS)
    py = Y0 - rng.uniform(0, span, PARCELS)
    w, h = rng.uniform(20, 60, PARCELS), rng.uniform(20, 60, PARCELS)
    parcels = shapely.box(px, py, px + w, py + h)
    vx, vy = X0 + rng.uniform(0, span, VILLAGES), Y0 - rng.uniform(0, span, VILLAGES)
    villages = shapely.buffer(shapely.points(vx, vy), exposure.VILLAGE_RADIUS_M, quad_segs=32)
    return np.concatenate([parcels, villages])


def main():
    rng = np.random.default_rng(13)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.tif"
        t0 = time.perf_counter()
        state_raster(path, rng)
        print(f"state raster {SIZE}×{SIZE} written in {time.perf_counter() - t0:.1f} s")
        utm = zones(rng)
        to_ll = Transformer.from_crs(32648, 4326, always_xy=True)
        lonlat = shapely.transform(utm, lambda c: np.column_stack(to_ll.transform(c[:, 0], c[:, 1])))

        # The peer: exactextract on the raster's own CRS, nothing else; its default strategy (the command's
        # default too) and the raster-sequential one that ours uses.
        frame = gpd.GeoDataFrame({"zone": np.arange(len(utm))}, geometry=list(utm), crs="EPSG:32648")
        peers = {}
        for strategy in ("feature-sequential", "raster-sequential"):
            t0, c0 = time.perf_counter(), time.process_time()
            peer = exact_extract(
                str(path), frame, ["unique", "frac", "count"], include_cols=["zone"], output="pandas", strategy=strategy
            )
            peers[strategy] = (time.perf_counter() - t0, time.process_time() - c0)
        peer_flood = sum(
            float(f) * float(c) * CELL * CELL
            for u, fr, c in zip(peer["unique"], peer["frac"], peer["count"], strict=True)
            for v, f in zip(u, fr, strict=True)
            if v == exposure.FLOOD
        )

        t0, c0 = time.perf_counter(), time.process_time()
        ours = exposure.zonal(str(path), list(lonlat))
        ours_s, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
        ours_flood = sum(z.flooded_m2 for z in ours)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    n = len(utm)
    print(f"zones: {PARCELS} parcels + {VILLAGES} villages = {n}")
    for strategy, (wall, cpu) in peers.items():
        print(f"exactextract API directly, {strategy:18}: {wall:6.2f} s wall, {cpu:6.2f} s CPU")
    base_wall, base_cpu = peers["feature-sequential"]
    best_wall, best_cpu = peers["raster-sequential"]
    print(f"layers.flood.exposure.zonal (lon/lat in, areas): {ours_s:6.2f} s wall, {ours_cpu:6.2f} s CPU")
    print(
        f"ratio (CPU) vs exactextract's default: {ours_cpu / base_cpu:.2f}×, "
        f"vs its raster-sequential: {ours_cpu / best_cpu:.2f}× (goal ≤ 1.5×)"
    )
    print(f"flooded area: ours {ours_flood / 1e6:.4f} km², exactextract {peer_flood / 1e6:.4f} km²")
    print(f"peak resident memory of the run: {peak_mb:.0f} MB")
    agree = abs(ours_flood - peer_flood) <= 1e-3 * max(peer_flood, 1.0)
    print("flooded areas agree within 0.1 %" if agree else "FLOODED AREAS DISAGREE")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
