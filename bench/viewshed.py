"""Benchmark: our numba viewshed and path-loss sweep against GDAL's gdal_viewshed, in the same run.

1. One tower on a 4,000 x 4,000 DEM (30 m, EPSG:32648, rough synthetic mountains), unlimited range:
   our viewshed (grid already in memory; and including reading the GeoTIFF) vs ``gdal_viewshed``
   (reads the file, writes its result), both with curvature coefficient 0.75 (k = 4/3).
2. 50 towers with a 15 km range: ours = viewshed + received power (free space + knife-edge
   diffraction) per tower, the DEM read once, one tower at a time and in two threads (as
   ``compute_coverage`` runs its sites); GDAL = ``gdal_viewshed -md 15000`` looped 50 times.

Prints times, ratios (ours / GDAL; below 1 means faster), the CPU load of the machine during the
run (the figures are wall-clock times, so a loaded machine slows both sides) and the cell agreement
of the viewsheds.
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


def agreement(ours: np.ndarray, out: Path) -> float:
    """Share of in-range cells where our visible/hidden answer equals GDAL's."""
    with rasterio.open(out) as ds:
        theirs = ds.read(1)
        c0 = int(round((ds.transform.c - X0) / CELL))
        r0 = int(round((Y0 - ds.transform.f) / CELL))
    ours = ours[r0 : r0 + theirs.shape[0], c0 : c0 + theirs.shape[1]]
    in_range = ours != 2
    return float(((ours == 1) == (theirs == 255))[in_range].mean())


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
        viewshed(dem[:64, :64], (32, 32), observer_height=TOWER_H)  # compile (cached after the first run)
        received_power(
            dem[:64, :64], (32, 32), cell_size=CELL, tx_height=TOWER_H, freq_mhz=1800, eirp_dbm=0, max_distance=900
        )

        # 1. One tower, whole 4,000 x 4,000 grid.
        row = col = N // 2
        ours_t, read_t, gdal_t = [], [], []
        for _ in range(3):
            start = time.perf_counter()
            with rasterio.open(path) as ds:
                loaded = ds.read(1)
            read_t.append(time.perf_counter() - start)
            start = time.perf_counter()
            seen = viewshed(
                loaded,
                (row, col),
                observer_height=TOWER_H,
                target_height=RX_H,
                cell_size=(CELL, CELL),
                curvature_coeff=CC,
            )
            ours_t.append(time.perf_counter() - start)
            gdal_t.append(gdal(path, folder / "one.tif", row, col))
        ours1, read1, gdal1 = statistics.median(ours_t), statistics.median(read_t), statistics.median(gdal_t)
        agree1 = agreement(seen, folder / "one.tif")
        print(f"one tower, {N}x{N} DEM, unlimited range (median of 3)")
        print(f"  ours (grid in memory)      {ours1:6.3f} s   ratio ours/gdal {ours1 / gdal1:5.2f}")
        print(f"  ours + reading the GeoTIFF {ours1 + read1:6.3f} s   ratio ours/gdal {(ours1 + read1) / gdal1:5.2f}")
        print(f"  gdal_viewshed              {gdal1:6.3f} s")
        print(f"  cells in agreement         {100 * agree1:6.2f} %")

        # 2. Fifty towers with path loss, 15 km range.
        rng = np.random.default_rng(11)
        margin = int(REACH / CELL) // 2
        towers = rng.integers(margin, N - margin, size=(50, 2))
        radius = int(np.ceil(REACH / CELL))

        def one(loaded, r, c):
            """Viewshed and received power of one tower over its range window."""
            win = (slice(max(r - radius, 0), r + radius + 1), slice(max(c - radius, 0), c + radius + 1))
            local = (r - win[0].start, c - win[1].start)
            sub = loaded[win]
            seen = viewshed(
                sub,
                local,
                observer_height=TOWER_H,
                target_height=RX_H,
                cell_size=(CELL, CELL),
                curvature_coeff=CC,
                max_distance=REACH,
            )
            power, _ = received_power(
                sub, local, cell_size=CELL, tx_height=TOWER_H, freq_mhz=1800, eirp_dbm=28.2, max_distance=REACH
            )
            return win, seen, int((power >= -105).sum())

        start = time.perf_counter()
        with rasterio.open(path) as ds:
            loaded = ds.read(1)
        results = [one(loaded, r, c) for r, c in towers]
        ours50 = time.perf_counter() - start
        covered = sum(n for _, _, n in results)
        agree = []
        for win, seen, _ in results[:5]:  # keep our windows for an agreement check against GDAL below
            full = np.full((N, N), 2, dtype=np.uint8)
            full[win] = seen
            agree.append(full)
        del results
        # The same in two threads, as compute_coverage runs sites (the numba kernels release the GIL).
        start = time.perf_counter()
        with rasterio.open(path) as ds:
            loaded = ds.read(1)
        with ThreadPoolExecutor(max_workers=2) as pool:
            covered2 = sum(n for _, _, n in pool.map(lambda rc: one(loaded, *rc), towers.tolist()))
        ours50t = time.perf_counter() - start
        assert covered2 == covered
        start = time.perf_counter()
        for i, (r, c) in enumerate(towers):
            gdal(path, folder / f"t{i}.tif", int(r), int(c), REACH)
        gdal50 = time.perf_counter() - start
        agree50 = [agreement(full, folder / f"t{i}.tif") for i, full in enumerate(agree)]
        print(f"50 towers, {REACH / 1000:.0f} km range")
        print(f"  ours (viewshed + path loss, DEM read once) {ours50:6.2f} s   ratio ours/gdal {ours50 / gdal50:5.2f}")
        threads = f"{ours50t:6.2f} s   ratio ours/gdal {ours50t / gdal50:5.2f}"
        print(f"  ours, two threads (as compute_coverage)    {threads}")
        print(f"  gdal_viewshed x 50 (viewshed only)         {gdal50:6.2f} s")
        print(f"  cells in agreement (5 towers)              {100 * min(agree50):6.2f} % (min)")
        print(f"  cells covered at RSRP >= -105 dBm (sum)    {covered}")
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
