"""Benchmark: a 10,980² flood mask sieved and vectorised, ours vs GDAL's gdal_sieve.py + gdal_polygonize.py.

Run: python bench/flood_vectorise.py [--size 10980] [--mmu 9] [--keep]
Writes a synthetic uint8 mask (flood patches with rough edges and 0.3 % speckle, UTM 48N, 20 m) into
a scratch folder, then runs each side in its own child process and prints wall time and the child's
peak RSS: ours (layers.flood.vectorise: windowed read, sieve, strip polygonize, coverage union,
polygons in memory) and GDAL's tools on the same file (sieve to a GeoTIFF, polygonize the flood
value, masked by itself, into a GeoPackage). No Django, no database; the scratch folder is removed.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

ROOT = Path(__file__).resolve().parent.parent
STRIP = 1024


def write_mask(path: Path, size: int, seed: int = 13) -> float:
    """A flood mask written strip by strip (never whole in memory); the share of flood pixels."""
    rng = np.random.default_rng(seed)
    cell = 48
    low = rng.normal(size=(size // cell + 2, size // cell + 2)).astype("float32")
    from scipy import ndimage

    low = ndimage.gaussian_filter(low, 2.0)
    cut = np.quantile(low, 0.88)  # about an eighth of the tile under water
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "dtype": "uint8",
        "crs": "EPSG:32648",
        "transform": from_origin(800_000, 1_750_000, 20, 20),
        "tiled": True,
        "compress": "deflate",
    }
    flooded = 0
    cols = np.arange(size) / cell
    with rasterio.open(path, "w", **profile) as dst:
        for top in range(0, size, STRIP):
            rows = np.arange(top, min(top + STRIP, size)) / cell
            # Bilinear upsampling of the smooth field, plus per-pixel noise for rough shores and speckle.
            field = ndimage.map_coordinates(low, np.meshgrid(rows, cols, indexing="ij"), order=1)
            field += rng.normal(scale=0.02, size=field.shape).astype("float32")
            strip = (field > cut).astype(np.uint8)
            speckle = rng.random(strip.shape) < 0.003
            strip[speckle] ^= 1
            flooded += int(strip.sum())
            dst.write(strip, 1, window=rasterio.windows.Window(0, top, size, strip.shape[0]))
    return flooded / (size * size)


OURS = """
import json, sys, time
sys.path.insert(0, {root!r})
from layers.flood import vectorise
t = time.perf_counter()
geom, pixels = vectorise.vectorise({path!r}, (1,), min_pixels={mmu}, tolerance=0.0)
print(json.dumps({{"seconds": time.perf_counter() - t, "polygons": len(geom.geoms), "pixels": pixels}}))
"""


def child(args: list[str]) -> tuple[float, int, str]:
    """Run one child; wall seconds, its peak RSS in MB, its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=True, timeout=3600)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest of any child so far: run the bigger side last or read both.
    return seconds, max(peak, before) // 1024, done.stdout


def peak_of(args: list[str]) -> tuple[float, int, str]:
    """Wall time and peak RSS of a command measured by GNU time when present, else by getrusage."""
    gnu_time = shutil.which("time") or "/usr/bin/time"
    if Path(gnu_time).exists():
        start = time.perf_counter()
        done = subprocess.run([gnu_time, "-f", "%M", *args], capture_output=True, text=True, check=True, timeout=3600)
        seconds = time.perf_counter() - start
        peak_kb = int(done.stderr.strip().splitlines()[-1])
        return seconds, peak_kb // 1024, done.stdout
    return child(args)


def main() -> None:
    """Write the mask, run both sides, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10_980)
    parser.add_argument("--mmu", type=int, default=9, help="minimum mapping unit in pixels")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="flood-bench-"))
    try:
        mask = scratch / "mask.tif"
        t = time.perf_counter()
        share = write_mask(mask, args.size)
        print(f"mask {args.size}² ({share:.1%} flood) written in {time.perf_counter() - t:.1f} s")

        code = OURS.format(root=str(ROOT), path=str(mask), mmu=args.mmu)
        ours_s, ours_mb, out = peak_of([sys.executable, "-c", code])
        ours = json.loads(out.strip().splitlines()[-1])

        sieved, gpkg = scratch / "sieved.tif", scratch / "flood.gpkg"
        sieve_cmd = ["gdal_sieve.py", "-q", "-st", str(args.mmu), "-4", str(mask), str(sieved)]
        sieve_s, sieve_mb, _ = peak_of(sieve_cmd)
        poly_cmd = ["gdal_polygonize.py", "-q", str(sieved), "-mask", str(sieved), "-f", "GPKG", str(gpkg)]
        poly_s, poly_mb, _ = peak_of(poly_cmd)
        gdal_s = sieve_s + poly_s
        import pyogrio

        gdal_polygons = pyogrio.read_info(gpkg)["features"]
        print(
            f"ours: {ours_s:.1f} s (vectorise {ours['seconds']:.1f} s), peak RSS {ours_mb} MB, "
            f"{ours['polygons']} polygons, {ours['pixels']} flood pixels after sieve"
        )
        print(
            f"GDAL: {gdal_s:.1f} s (gdal_sieve.py {sieve_s:.1f} s, gdal_polygonize.py {poly_s:.1f} s), "
            f"peak RSS {max(sieve_mb, poly_mb)} MB (sieve {sieve_mb}, polygonize {poly_mb}), {gdal_polygons} polygons"
        )
        print(f"ratio ours/GDAL: {ours_s / gdal_s:.2f}× time, {ours_mb / max(sieve_mb, poly_mb):.2f}× peak memory")
    finally:
        if args.keep:
            print(f"scratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
