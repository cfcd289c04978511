"""Benchmark: our numba viewshed and path-loss sweep against GDAL's gdal_viewshed, in the same run.

Both sides do the same I/O: each reads the DEM GeoTIFF and writes its result as a GeoTIFF (Byte,
uncompressed, the same cells), per tower; every output of ours is compared cell by cell with GDAL's.

1. One tower on a 4,000 x 4,000 DEM (30 m, EPSG:32648, rough synthetic mountains), unlimited range:
   ours (read, viewshed, write) vs ``gdal_viewshed`` (read, viewshed, write), both with curvature
   coefficient 0.75 (k = 4/3).
2. 50 towers with a 15 km range: ours = per tower, read its range window of the DEM, viewshed +
   received power (free space + knife-edge diffraction), write the viewshed; one tower at a time
   and in two threads (as ``compute_coverage`` runs its sites); GDAL = ``gdal_viewshed -md 15000``
   looped 50 times (viewshed only: ours does more work).

Prints times, ratios (ours / GDAL; below 1 means faster), the CPU load of the machine during the
run (the figures are wall-clock times, so a loaded machine slows both sides) and the cell agreement
of the viewsheds of every tower (the minimum and the mean).
Run: ``nice python bench/viewshed.py`` (about a minute; needs gdal-bin).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window
from scipy.ndimage import gaussian_filter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.telecom.radio.pathloss import received_power  # noqa: E402
from layers.telecom.radio.viewshed import viewshed  # noqa: E402

N = 4000
CELL = 30.0
X0, Y0 = 700000.0, 1750000.0
CC = 0.75
TOWER_H, RX_H = 30.0, 1.5
REACH = 15000.0


def terrain(n: int, seed: int = 7) -> np.ndarray:
    """Rough mountains 200..2,000 m from smoothed noise at three scales."""
    rng = np.random.default_rng(seed)
    dem = np.zeros((n, n), dtype=np.float32)
    for sigma, amplitude in ((n / 16, 400), (n / 60, 120), (4, 30)):
        dem += (gaussian_filter(rng.normal(size=(n, n)).astype(np.float32), sigma) * amplitude * sigma).astype(
            np.float32
        )
    return ((dem - dem.min()) * (1800.0 / np.ptp(dem)) + 200.0).astype(np.float32)


def gdal(path: Path, out: Path, row: int, col: int, reach: float = 0.0) -> float:
    """Seconds for one gdal_viewshed call at cell (row, col)."""
    x, y = X0 + (col + 0.5) * CELL, Y0 - (row + 0.5) * CELL
    cmd = ["gdal_viewshed", "-q", "-ox", str(x), "-oy", str(y), "-oz", str(TOWER_H), "-tz", str(RX_H), "-cc", str(CC)]
    if reach:
        cmd += ["-md", str(reach)]
    start = time.perf_counter()
    subprocess.run([*cmd, str(path), str(out)], check=True)
    return time.perf_counter() - start


def agreement(ours_path: Path, gdal_path: Path) -> float:
    """Share of our in-range cells where our visible/hidden answer equals GDAL's (both GeoTIFFs)."""
    with rasterio.open(ours_path) as ds:
        ours = ds.read(1)
        oc, orow = int(round((ds.transform.c - X0) / CELL)), int(round((Y0 - ds.transform.f) / CELL))
    with rasterio.open(gdal_path) as ds:
        theirs = ds.read(1)
        tc, trow = int(round((ds.transform.c - X0) / CELL)), int(round((Y0 - ds.transform.f) / CELL))
    # The common window of the two outputs, in DEM cells.
    r0, c0 = max(orow, trow), max(oc, tc)
    r1 = min(orow + ours.shape[0], trow + theirs.shape[0])
    c1 = min(oc + ours.shape[1], tc + theirs.shape[1])
    a = ours[r0 - orow : r1 - orow, c0 - oc : c1 - oc]
    b = theirs[r0 - trow : r1 - trow, c0 - tc : c1 - tc]
    in_range = a != 2
    return float(((a == 1) == (b == 255))[in_range].mean())


def ours_tower(path: Path, out: Path, r: int, c: int, reach: float = 0.0, power: bool = False) -> int:
    """Read the DEM (the tower's range window), viewshed (and received power), write the viewshed GeoTIFF."""
    radius = int(np.ceil(reach / CELL)) if reach else N
    window = Window.from_slices(
        (max(r - radius, 0), min(r + radius + 1, N)), (max(c - radius, 0), min(c + radius + 1, N))
    )
    with rasterio.open(path) as ds:
        sub = ds.read(1, window=window)
        transform = ds.window_transform(window)
        crs = ds.crs
    local = (r - int(window.row_off), c - int(window.col_off))
    seen = viewshed(
        sub,
        local,
        observer_height=TOWER_H,
        target_height=RX_H,
        cell_size=(CELL, CELL),
        curvature_coeff=CC,
        max_distance=reach,
    )
    covered = 0
    if power:
        rx, _ = received_power(
            sub, local, cell_size=CELL, tx_height=TOWER_H, freq_mhz=1800, eirp_dbm=28.2, max_distance=reach
        )
        covered = int((rx >= -105).sum())
    with rasterio.open(
        out, "w", driver="GTiff", width=sub.shape[1], height=sub.shape[0], count=1, dtype="uint8", crs=crs,
        transform=transform,
    ) as dst:  # fmt: skip
        dst.write(seen.astype(np.uint8), 1)
    return covered


def main() -> None:
    """Run both comparisons and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "dem.tif"
        dem = terrain(N)
        with rasterio.open(
            path, "w", driver="GTiff", width=N, height=N, count=1, dtype="float32", crs="EPSG:32648",
            transform=from_origin(X0, Y0, CELL, CELL), tiled=True,
        ) as out:  # fmt: skip
            out.write(dem, 1)
        del dem
        probe = np.zeros((64, 64), dtype=np.float32)
        viewshed(probe, (32, 32), observer_height=TOWER_H)  # compile (cached after the first run)
        received_power(probe, (32, 32), cell_size=CELL, tx_height=TOWER_H, freq_mhz=1800, eirp_dbm=0, max_distance=900)

        # 1. One tower, whole 4,000 x 4,000 grid: read, compute, write on both sides.
        row = col = N // 2
        ours_t, gdal_t = [], []
        for _ in range(3):
            start = time.perf_counter()
            ours_tower(path, folder / "ours-one.tif", row, col)
            ours_t.append(time.perf_counter() - start)
            gdal_t.append(gdal(path, folder / "one.tif", row, col))
        ours1, gdal1 = statistics.median(ours_t), statistics.median(gdal_t)
        agree1 = agreement(folder / "ours-one.tif", folder / "one.tif")
        print(f"one tower, {N}x{N} DEM, unlimited range, GeoTIFF in and out on both sides (median of 3)")
        print(f"  ours           {ours1:6.3f} s   ratio ours/gdal {ours1 / gdal1:5.2f}")
        print(f"  gdal_viewshed  {gdal1:6.3f} s")
        print(f"  cells in agreement {100 * agree1:6.2f} %")

        # 2. Fifty towers with path loss, 15 km range.
        rng = np.random.default_rng(11)
        margin = int(REACH / CELL) // 2
        towers = rng.integers(margin, N - margin, size=(50, 2)).tolist()
        start = time.perf_counter()
        covered = sum(
            ours_tower(path, folder / f"ours{i}.tif", r, c, REACH, power=True) for i, (r, c) in enumerate(towers)
        )
        ours50 = time.perf_counter() - start
        # The same in two threads, as compute_coverage runs sites (the numba kernels release the GIL).
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            jobs = [(folder / f"ours2-{i}.tif", r, c) for i, (r, c) in enumerate(towers)]
            covered2 = sum(pool.map(lambda j: ours_tower(path, j[0], j[1], j[2], REACH, power=True), jobs))
        ours50t = time.perf_counter() - start
        if covered2 != covered:
            raise SystemExit("BENCH FAILED: the two-thread run covered other cells")
        start = time.perf_counter()
        for i, (r, c) in enumerate(towers):
            gdal(path, folder / f"t{i}.tif", int(r), int(c), REACH)
        gdal50 = time.perf_counter() - start
        agree50 = [agreement(folder / f"ours{i}.tif", folder / f"t{i}.tif") for i in range(len(towers))]
        print(f"50 towers, {REACH / 1000:.0f} km range, GeoTIFF in and out per tower on both sides")
        print(f"  ours (viewshed + path loss)                {ours50:6.2f} s   ratio ours/gdal {ours50 / gdal50:5.2f}")
        threads = f"{ours50t:6.2f} s   ratio ours/gdal {ours50t / gdal50:5.2f}"
        print(f"  ours, two threads (as compute_coverage)    {threads}")
        print(f"  gdal_viewshed x 50 (viewshed only)         {gdal50:6.2f} s")
        low, mean = 100 * min(agree50), 100 * statistics.mean(agree50)
        print(f"  cells in agreement, all 50 towers          min {low:6.2f} %, mean {mean:6.2f} %")
        print(f"  cells covered at RSRP >= -105 dBm (sum)    {covered}")
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
