"""Coverage runs: towers over terrain into best-server rasters, village statuses with reasons, gaps.

``start`` records a run with its full parameters and queues the Celery job; ``execute`` (called by
the task) computes it tower by tower, reporting progress, then stores the village statuses and,
for a real (not what-if) run, replaces the model's gap polygons in the coverage-gaps layer.
Older runs keep their rasters and village statuses so that two runs can be compared.
"""

from __future__ import annotations

import functools
import math
import os
import shutil
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.windows
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from pyproj import Transformer
from rasterio import features
from shapely import ops as shapely_ops
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape as shapely_shape

from geoplatform.errors import NotFound, PlatformError
from layers.places.models import Village

from . import parameters, terrain
from .models import CellTower, CoverageGap, CoverageRun, VillageCoverage
from .radio import bestserver
from .radio.pathloss import bearings, received_power, sector_gain_db
from .radio.profile import dominant_obstruction
from .radio.viewshed import viewshed

COVERAGE_TASK = "layers.telecom.tasks.compute_coverage"
GAPS_LOCK = 0x6770_6761  # advisory lock: one run at a time replaces the model's gap polygons
MIN_GAP_CELLS = 4  # 4 cells of 30 m = 0.36 ha
# Sites computed at once, in threads (the numba kernels release the GIL).
THREADS = min(os.cpu_count() or 1, 4)
PROGRESS_EVERY_S = 0.25
WRITE_ROWS = 256


@dataclass
class Transmitter:
    """A tower (or a planned site) as the model needs it."""

    label: str
    tower_id: int | None
    operator: str
    technology: str
    lon: float
    lat: float
    height: float
    azimuth: float | None
    beamwidth: float
    band_mhz: float
    power_dbm: float
    gain_dbi: float


def start(given: dict | None = None, *, user=None, what_if: bool = False, enqueue: bool = True) -> CoverageRun:
    """Record a coverage run with its checked parameters and queue its job (refused without a DEM)."""
    params = parameters.resolve(given)
    asset = terrain.dem_asset(params["dem_id"])
    params["dem_id"] = asset.pk
    # Planned sites make a run hypothetical however it was started: it must never become the headline.
    what_if = what_if or bool(params["extra_sites"])
    run = CoverageRun.objects.create(
        parameters=params, what_if=what_if, dem=asset, created_by=user if getattr(user, "pk", None) else None
    )
    if enqueue:
        # By name: services never import tasks (the task module imports this one).
        from celery import current_app

        transaction.on_commit(lambda: _enqueue(current_app, run.pk))
    return run


def _enqueue(app, run_id: int) -> None:
    # The task modules are registered by Celery's autodiscovery, not imported by services.
    app.loader.import_default_modules()
    app.tasks[COVERAGE_TASK].delay(run_id)


def real_runs():
    """Runs of the towers as they are: neither flagged what-if nor carrying planned sites."""
    # Runs stored before start() flagged planned sites may carry them with what_if still False.
    planned = Q(parameters__has_key="extra_sites") & ~Q(parameters__extra_sites=[])
    return CoverageRun.objects.filter(what_if=False).exclude(planned)


def latest_real_run() -> CoverageRun | None:
    """The newest finished real run: the basis of every headline figure and of the default map."""
    return real_runs().filter(status="succeeded").order_by("-created_at", "-pk").first()


def is_what_if(run: CoverageRun) -> bool:
    """Whether a run is hypothetical (planned sites added to the towers)."""
    return run.what_if or bool((run.parameters or {}).get("extra_sites"))


def transmitters(params: dict) -> list[Transmitter]:
    """Active towers of the layer plus the run's what-if sites, limited to its operators/technologies."""
    towers = CellTower.objects.filter(status="active").order_by("pk")
    if params["operators"]:
        towers = towers.filter(operator__in=params["operators"])
    if params["technologies"]:
        towers = towers.filter(technology__in=params["technologies"])
    out = [
        Transmitter(
            label=t.name or f"{t.operator} {t.technology} #{t.pk}",
            tower_id=t.pk,
            operator=t.operator,
            technology=t.technology,
            lon=t.geom.x,
            lat=t.geom.y,
            height=t.antenna_height_m,
            azimuth=t.azimuth_deg if t.beamwidth_deg < 360 else None,
            beamwidth=t.beamwidth_deg,
            band_mhz=t.band_mhz,
            power_dbm=t.power_dbm,
            gain_dbi=t.gain_dbi,
        )
        for t in towers
    ]
    for site in params["extra_sites"]:
        if (params["operators"] and site["operator"] not in params["operators"]) or (
            params["technologies"] and site["technology"] not in params["technologies"]
        ):
            continue
        out.append(
            Transmitter(
                label=f"{site['name']} (planned)",
                tower_id=None,
                operator=site["operator"],
                technology=site["technology"],
                lon=site["lon"],
                lat=site["lat"],
                height=site["antenna_height_m"],
                azimuth=None,
                beamwidth=360.0,
                band_mhz=site["band_mhz"],
                power_dbm=site["power_dbm"],
                gain_dbi=site["gain_dbi"],
            )
        )
    return out


def signal_eirp(tx: Transmitter, params: dict) -> float:
    """EIRP of the measured signal (RxLev/RSCP/RSRP reference) with losses and operator offset, dBm."""
    return (
        tx.power_dbm
        + tx.gain_dbi
        - params["feeder_loss_db"]
        + params["signal_offset_db"][tx.technology]
        - params["extra_loss_db"]
        + params["operator_offset_db"].get(tx.operator, 0.0)
    )


def tower_power(
    grid: terrain.Grid, tx: Transmitter, params: dict
) -> tuple[tuple[slice, slice], np.ndarray, np.ndarray] | None:
    """Received power and viewshed of one transmitter over its range window (None if off the grid)."""
    result = site_power(grid, [tx], params)
    if result is None:
        return None
    win, powers, seen = result
    return win, powers[0], seen


def site_power(
    grid: terrain.Grid, sectors: list[Transmitter], params: dict
) -> tuple[tuple[slice, slice], list[np.ndarray], np.ndarray] | None:
    """Power of each sector of one site (same mast, height and band) and the site's viewshed."""
    terrain_part = site_gain(grid, sectors[0], params)
    if terrain_part is None:
        return None
    win, local, gain, seen = terrain_part
    powers = []
    for sector in sectors:
        power = gain + np.float32(signal_eirp(sector, params))
        if sector.azimuth is not None and sector.beamwidth < 360.0:
            pattern = sector_gain_db(
                bearings(gain.shape, local), sector.azimuth, sector.beamwidth, params["front_to_back_db"]
            )
            power += pattern.astype(np.float32)
        powers.append(power)
    return win, powers, seen


def site_gain(grid: terrain.Grid, tx: Transmitter, params: dict):
    """The terrain part of a site, shared by its sectors: (window, local cell, gain for 0 dBm, viewshed).

    The path loss and line of sight are computed once per site; each sector then adds its own
    EIRP and horizontal antenna pattern, so a three-sector site costs one sweep, not three.
    """
    rows, cols, inside = grid.rc_of([tx.lon], [tx.lat])
    if not inside[0]:
        return None
    reach = params["range_km"][tx.technology] * 1000.0
    win = bestserver.window(grid.shape, (int(rows[0]), int(cols[0])), int(math.ceil(reach / grid.cell)))
    local = (int(rows[0]) - win[0].start, int(cols[0]) - win[1].start)
    sub = grid.dem[win]
    gain, _ = received_power(
        sub,
        local,
        cell_size=grid.cell,
        tx_height=tx.height,
        rx_height=params["rx_height_m"],
        freq_mhz=tx.band_mhz,
        eirp_dbm=0.0,
        max_distance=reach,
        k_factor=params["k_factor"],
    )
    seen = viewshed(
        sub,
        local,
        observer_height=tx.height,
        target_height=params["rx_height_m"],
        cell_size=(grid.cell, grid.cell),
        curvature_coeff=1.0 / params["k_factor"],
        max_distance=reach,
    )
    return win, local, gain, seen == 1


def _in_threads(fn, items: list, workers: int | None = None):
    """``fn`` over ``items`` in threads (the numba kernels release the GIL), results in order.

    At most ``workers + 1`` results are held at a time, so memory stays bounded by a few site
    windows whatever the number of towers.
    """
    workers = workers or THREADS
    if workers <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _sites(group: list[Transmitter]) -> list[list[int]]:
    """Indices of the sectors of each site (same position, mast height and band)."""
    sites: dict = {}
    for index, tx in enumerate(group):
        key = (round(tx.lon, 6), round(tx.lat, 6), tx.height, tx.band_mhz)
        sites.setdefault(key, []).append(index)
    return list(sites.values())


def _groups(params: dict) -> list[tuple[str, str, list[Transmitter], list[list[int]]]]:
    """(operator, technology, its transmitters, its sites) in the order a run merges them."""
    txs = transmitters(params)
    out = []
    for operator, tech in sorted({(t.operator, t.technology) for t in txs}):
        group = [t for t in txs if t.operator == operator and t.technology == tech]
        out.append((operator, tech, group, _sites(group)))
    return out


def _outdir(run: CoverageRun) -> Path:
    return Path(settings.DATA_DIR) / "coverage" / f"run_{run.pk}"


def _part_path(run: CoverageRun, operator: str, tech: str, site_no: int) -> Path:
    return _outdir(run) / "parts" / f"{operator}_{tech}_{site_no}.npz"


def parts(run_id: int) -> list[tuple[str, str, int]] | None:
    """The sites of a run, one part each, to compute apart (None when the run is finished already)."""
    run = CoverageRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(gettext("Không có lần tính vùng phủ số %(id)s.") % {"id": run_id})
    if run.status == "succeeded":
        return None
    groups = _groups(run.parameters)
    total = sum(len(group) for _, _, group, _ in groups)
    CoverageRun.objects.filter(pk=run_id).update(
        status="running", started_at=timezone.now(), message="", progress={"done": 0, "total": total}
    )
    return [(operator, tech, n) for operator, tech, _, sites in groups for n in range(len(sites))]


@functools.lru_cache(maxsize=2)
def _grid(path: str, crs: str, resolution: float, mtime: float) -> terrain.Grid:
    # Each worker process reads and reprojects a run's DEM once for all the parts it computes
    # (the file's mtime is in the key: a replaced DEM is read again).
    return terrain.load(path, crs, resolution)


@functools.lru_cache(maxsize=4)
def _run_groups(run_id: int, created_at) -> list[tuple[str, str, list[Transmitter], list[list[int]]]]:
    # The towers of a run read once per worker process, not once per part: read per part, a run of
    # n sites read n times all its towers (quadratic; 0.1 s a part at 3,420 sectors). The creation
    # time is in the key, so a recycled run id (a test database) never reuses another run's towers.
    return _groups(CoverageRun.objects.get(pk=run_id).parameters)


def compute_part(run_id: int, operator: str, tech: str, site_no: int) -> str:
    """Compute one site of a run into its part file (idempotent: the same file, written whole or not at all)."""
    run = CoverageRun.objects.get(pk=run_id)
    path = _part_path(run, operator, tech, site_no)
    if path.exists():
        return str(path)
    params = run.parameters
    group, sites = next((g, s) for op, te, g, s in _run_groups(run.pk, run.created_at) if (op, te) == (operator, tech))
    dem_path = terrain.dem_asset(params["dem_id"]).path
    grid = _grid(dem_path, params["crs"], params["resolution_m"], os.stat(dem_path).st_mtime)
    result = site_gain(grid, group[sites[site_no][0]], params)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    if result is None:
        np.savez(partial, skipped=np.array(True))
    else:
        win, local, gain, seen = result
        bounds = np.array([win[0].start, win[0].stop, win[1].start, win[1].stop, *local])
        np.savez(partial, skipped=np.array(False), bounds=bounds, gain=gain, seen=seen)
    os.replace(partial, path)  # atomic: a reader sees the whole part or none
    # Progress counts towers; a part redone after a lost worker may count twice here, never in the results.
    with transaction.atomic():
        locked = CoverageRun.objects.select_for_update().get(pk=run_id)
        progress = dict(locked.progress or {})
        progress.update(done=min(progress.get("done", 0) + len(sites[site_no]), progress.get("total", 0)))
        progress.update(tower=group[sites[site_no][0]].label, combo=f"{operator} {tech}")
        CoverageRun.objects.filter(pk=run_id).update(progress=progress)
    return str(path)


def _load_part(path: Path):
    with np.load(path) as part:
        if bool(part["skipped"]):
            return None
        r0, r1, c0, c1, lr, lc = (int(v) for v in part["bounds"])
        return (slice(r0, r1), slice(c0, c1)), (lr, lc), part["gain"], part["seen"]


def _site_results(run: CoverageRun, grid: terrain.Grid, params: dict, operator: str, tech: str, group, sites):
    """Each site's terrain part, read from its part file when a part task computed it, else computed here."""

    def one(site_no: int):
        path = _part_path(run, operator, tech, site_no)
        if path.exists():
            return _load_part(path)
        return site_gain(grid, group[sites[site_no][0]], params)

    return _in_threads(one, list(range(len(sites))))


def execute(run_id: int) -> CoverageRun:
    """Compute a run (idempotent: a finished run is returned as it is; a half-done one starts over)."""
    run = CoverageRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(gettext("Không có lần tính vùng phủ số %(id)s.") % {"id": run_id})
    if run.status == "succeeded":
        return run
    CoverageRun.objects.filter(pk=run_id).update(status="running", started_at=timezone.now(), message="", progress={})
    try:
        _compute(run)
    except PlatformError as exc:
        _fail(run_id, exc.message)
    except Exception as exc:
        _fail(run_id, f"{type(exc).__name__}: {exc}"[:2000])
        raise
    run.refresh_from_db()
    return run


def fail_unfinished(run_id: int) -> None:
    """Mark a run failed unless it finished (the chord's error callback: a part failed for good)."""
    reason = gettext("Một phần của lần tính vùng phủ bị lỗi trên máy xử lý; hãy chạy lại.")
    CoverageRun.objects.filter(pk=run_id).exclude(status="succeeded").update(
        status="failed", message=reason, finished_at=timezone.now()
    )


def _fail(run_id: int, reason: str) -> None:
    CoverageRun.objects.filter(pk=run_id).update(status="failed", message=reason, finished_at=timezone.now())


def _compute(run: CoverageRun) -> None:
    params = run.parameters
    asset = terrain.dem_asset(params["dem_id"])
    grid = terrain.load(asset.path, params["crs"], params["resolution_m"])
    txs = transmitters(params)
    combos = sorted({(t.operator, t.technology) for t in txs})
    villages = list(Village.objects.all().order_by("pk"))
    lon = [v.geom.x for v in villages]
    lat = [v.geom.y for v in villages]
    vrow, vcol, vinside = grid.rc_of(lon, lat) if villages else (np.zeros(0, int), np.zeros(0, int), np.zeros(0, bool))
    area = _inhabited_area(grid, villages, params)
    inhabited = _inhabited(grid, area)
    outdir = _outdir(run)
    outdir.mkdir(parents=True, exist_ok=True)
    # Part tasks computed the sites and counted the progress already: this pass only merges them.
    from_parts = (outdir / "parts").exists()
    progress = {"done": 0, "total": len(txs), "tower": "", "combo": ""}
    reported = 0.0
    records: list[VillageCoverage] = []
    gaps: list[CoverageGap] = []
    summary: dict = {"villages": len(villages), "combos": {}, "skipped_towers": []}
    outputs: dict = {}
    now = timezone.now()
    for operator, tech in combos:
        group = [t for t in txs if t.operator == operator and t.technology == tech]
        best = np.full(grid.shape, -np.inf, dtype=np.float32)
        server = np.full(grid.shape, -1, dtype=np.int32)
        seen_any = np.zeros(grid.shape, dtype=bool)
        sites = _sites(group)
        gains = _site_results(run, grid, params, operator, tech, group, sites)
        for site, result in zip(sites, gains, strict=True):
            if result is None:
                summary["skipped_towers"].extend(group[i].label for i in site)
            else:
                win, local, gain, seen = result
                seen_any[win] |= seen
                sectors = [(i, signal_eirp(group[i], params), group[i].azimuth, group[i].beamwidth) for i in site]
                bestserver.merge_sectors(best, server, gain, win, local, sectors, params["front_to_back_db"])
            for index in site:
                progress.update(done=progress["done"] + 1, tower=group[index].label, combo=f"{operator} {tech}")
            # Progress counts every tower; it is written at most every PROGRESS_EVERY_S seconds.
            due = not from_parts and time.monotonic() - reported >= PROGRESS_EVERY_S
            if due or progress["done"] == progress["total"]:
                CoverageRun.objects.filter(pk=run.pk).update(progress=dict(progress))
                reported = time.monotonic()
        thresholds = tuple(params["thresholds"][tech])
        classes = bestserver.classify(best, thresholds)
        path = outdir / f"{operator}_{tech}.tif"
        _write(path, grid, best, classes)
        outputs[f"{operator}/{tech}"] = str(path)
        combo_records = [
            _village_status(
                grid, v, int(vrow[j]), int(vcol[j]), bool(vinside[j]), best, server, seen_any, group, params
            )
            for j, v in enumerate(villages)
        ]
        for rec in combo_records:
            rec.run = run
            rec.operator, rec.technology = operator, tech
        records.extend(combo_records)
        counts = {name: sum(1 for r in combo_records if r.status == name) for name in ("covered", "weak", "none")}
        summary["combos"][f"{operator}/{tech}"] = {**counts, "towers": len(group)}
        if not run.what_if:
            gaps.extend(
                _gaps(grid, classes, inhabited, area, combo_records, villages, operator, tech, params, run, now)
            )
        del best, server, seen_any, classes
    summary["villages_covered_any"] = _covered_any(records, len(villages))
    with transaction.atomic():
        # Two overlapping runs finish one at a time, and the gap polygons are always those of the
        # newest finished real run, the one the dashboard and the map headline show.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GAPS_LOCK])
        superseded = (
            real_runs()
            .filter(status="succeeded")
            .filter(Q(created_at__gt=run.created_at) | Q(created_at=run.created_at, pk__gt=run.pk))
            .exists()
        )
        VillageCoverage.objects.filter(run=run).delete()
        VillageCoverage.objects.bulk_create(records, batch_size=500)
        if not run.what_if and not superseded:
            CoverageGap.objects.filter(Q(run__isnull=False) | Q(method="model")).delete()
            CoverageGap.objects.bulk_create(gaps, batch_size=200)
        CoverageRun.objects.filter(pk=run.pk).update(
            status="succeeded", summary=summary, outputs=outputs, progress=progress, finished_at=timezone.now()
        )
    shutil.rmtree(outdir / "parts", ignore_errors=True)  # merged and stored: a finished run never reads them again


def _covered_any(records: list[VillageCoverage], total: int) -> dict:
    covered = {r.village_id for r in records if r.status == "covered"}
    reached = {r.village_id for r in records if r.status in {"covered", "weak"}}
    return {
        "covered": len(covered),
        "covered_or_weak": len(reached),
        "share_covered": round(len(covered) / total, 4) if total else None,
    }


def _inhabited_area(grid: terrain.Grid, villages: list, params: dict):
    """The inhabited area in the grid CRS: village buffers plus settlement cells (residential parcels).

    Settlements are the parcels whose land-use code is one of ``settlement_land_use`` (the
    cadastral ODT urban and ONT rural residential land by default), wherever they lie.
    """
    to_grid = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True)
    shapes = []
    if villages:
        x, y = to_grid.transform([v.geom.x for v in villages], [v.geom.y for v in villages])
        shapes.extend(shapely.buffer(shapely.points(np.column_stack([x, y])), params["village_buffer_m"], quad_segs=32))
    codes = params.get("settlement_land_use", [])
    if codes:
        from layers.parcels.models import Parcel

        wkbs = Parcel.objects.filter(land_use_code__in=codes).values_list("geom", flat=True)
        parts = shapely.from_wkb([bytes(g.wkb) for g in wkbs])
        if len(parts):
            shapes.extend(shapely.transform(parts, lambda xy: np.column_stack(to_grid.transform(xy[:, 0], xy[:, 1]))))
    if not shapes:
        return None
    return shapely.union_all(shapely.make_valid(np.asarray(shapes, dtype=object)))


def _inhabited(grid: terrain.Grid, area) -> np.ndarray:
    """Cells whose centre lies in the inhabited area (a boolean grid)."""
    if area is None or area.is_empty:
        return np.zeros(grid.shape, dtype=bool)
    return features.rasterize([area], out_shape=grid.shape, transform=grid.transform, dtype="uint8") == 1


def _write(path: Path, grid: terrain.Grid, best: np.ndarray, classes: np.ndarray) -> None:
    profile = {
        "driver": "GTiff",
        "width": grid.shape[1],
        "height": grid.shape[0],
        "count": 2,
        "dtype": "float32",
        "crs": grid.crs,
        "transform": grid.transform,
        "nodata": -999.0,
        "compress": "deflate",
        "zlevel": 1,
        "predictor": 3,
    }
    with rasterio.open(path, "w", **profile) as out:
        # Written in bands of rows: no full-size temporary copies of the grid.
        for top in range(0, grid.shape[0], WRITE_ROWS):
            rows = slice(top, min(top + WRITE_ROWS, grid.shape[0]))
            window = rasterio.windows.Window(0, top, grid.shape[1], rows.stop - top)
            part = best[rows]
            out.write(np.where(np.isfinite(part), part, np.float32(-999.0)).astype("float32"), 1, window=window)
            out.write(classes[rows].astype("float32"), 2, window=window)
        out.set_band_description(1, "best-server received power (dBm)")
        out.set_band_description(2, "class: 2 covered, 1 weak, 0 none")


def _village_status(grid, village, row, col, inside, best, server, seen_any, group, params) -> VillageCoverage:
    record = VillageCoverage(village=village, geom=village.geom)
    if not inside:
        record.status, record.reason_code = "none", "no_tower"
        record.reason = "the village lies outside the terrain model (DEM)"
        return record
    power = float(best[row, col])
    tech = group[0].technology
    record.status = bestserver.status_of(power, tuple(params["thresholds"][tech]))
    record.best_dbm = round(power, 1) if math.isfinite(power) else None
    record.line_of_sight = bool(seen_any[row, col])
    idx = int(server[row, col])
    serving = group[idx] if idx >= 0 else None
    if serving is not None:
        record.serving_tower_id = serving.tower_id
        record.serving_label = serving.label[:120]
    if record.status == "covered":
        record.reason_code = "in_range"
        record.reason = f"served by {serving.label} at {power:.0f} dBm"
        return record
    _explain(record, grid, row, col, serving, group, params)
    return record


def _explain(record, grid, row, col, serving, group, params) -> None:
    """Why a village is weak or without signal: beyond range, or which ridge shadows it."""
    tech = group[0].technology
    reach_km = params["range_km"][tech]
    trows, tcols, tinside = grid.rc_of([t.lon for t in group], [t.lat for t in group])
    dist_km = np.hypot(trows - row, tcols - col) * grid.cell / 1000.0
    order = [int(i) for i in np.argsort(dist_km) if tinside[i]]
    if not order:
        record.reason_code = "beyond_range"
        record.reason = f"no {group[0].operator} {tech} tower on the terrain model"
        return
    nearest = order[0]
    if dist_km[nearest] > reach_km:
        record.reason_code = "beyond_range"
        record.reason = (
            f"beyond range: the nearest {group[0].operator} {tech} tower, {group[nearest].label}, "
            f"is {dist_km[nearest]:.1f} km away (model range {reach_km:.0f} km)"
        )
        return
    pick = group.index(serving) if serving is not None and dist_km[group.index(serving)] <= reach_km else nearest
    tx = group[pick]
    edge = dominant_obstruction(
        grid.dem,
        (int(trows[pick]), int(tcols[pick])),
        (row, col),
        cell_size=grid.cell,
        tx_height=tx.height,
        rx_height=params["rx_height_m"],
        freq_mhz=tx.band_mhz,
        k_factor=params["k_factor"],
    )
    if edge is not None and edge.clearance_m > 0:
        lon, lat = grid.lonlat_of([edge.row], [edge.col])
        from_village = dist_km[pick] - edge.distance_m / 1000.0
        record.reason_code = "terrain_shadow"
        record.ridge = Point(float(lon[0]), float(lat[0]), srid=4326)
        record.ridge_elevation_m = round(edge.elevation_m, 1)
        record.reason = (
            f"terrain shadow: a ridge of {edge.elevation_m:.0f} m at {lat[0]:.4f}N {lon[0]:.4f}E, "
            f"{from_village:.1f} km from the village, rises {edge.clearance_m:.0f} m above the sightline "
            f"to {tx.label} ({dist_km[pick]:.1f} km)"
        )
        return
    record.reason_code = "weak_signal"
    level = f"{record.best_dbm:.0f} dBm" if record.best_dbm is not None else "no signal"
    record.reason = f"in sight of {tx.label} ({dist_km[pick]:.1f} km) but the path loss leaves {level}"


def _gaps(grid, classes, inhabited, area, records, villages, operator, tech, params, run, now) -> list[CoverageGap]:
    """Gap polygons per severity, limited to the inhabited area and containing every such village."""
    wgs = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True)

    def to_wgs(coords):
        return np.column_stack(wgs.transform(coords[:, 0], coords[:, 1]))

    to_grid = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform
    centres = [ShapelyPoint(to_grid(v.geom.x, v.geom.y)) for v in villages]
    out = []
    for severity, cls in (("none", bestserver.NONE), ("weak", bestserver.WEAK)):
        members = [(v, c) for v, c, r in zip(villages, centres, records, strict=True) if r.status == severity]
        # Specks under MIN_GAP_CELLS are model noise, not an area to survey (villages are kept below).
        mask = features.sieve(((classes == cls) & inhabited).astype("uint8"), MIN_GAP_CELLS, connectivity=8) == 1
        # The polygonised regions never overlap, so they form a valid MultiPolygon without a union.
        parts = [
            polygon
            for geom, _ in features.shapes(mask.astype("uint8"), mask=mask, transform=grid.transform)
            for polygon in getattr(shapely_shape(geom), "geoms", [shapely_shape(geom)])
        ]
        shape = shapely.MultiPolygon(parts).intersection(area) if parts and area is not None else None
        # A village classed here is always inside its gap, even where its cell lies on a polygon edge.
        discs = [c.buffer(grid.cell, 16) for _, c in members]
        if discs:
            shape = shapely_ops.unary_union([shape, *discs]) if shape is not None else shapely_ops.unary_union(discs)
        if shape is None or shape.is_empty:
            continue
        geom = GEOSGeometry(shapely.transform(shape, to_wgs).wkb_hex, srid=4326)
        if geom.geom_type == "Polygon":
            geom = MultiPolygon(geom, srid=4326)
        elif geom.geom_type != "MultiPolygon":
            polys = [g for g in geom if g.geom_type == "Polygon"]
            geom = MultiPolygon(*polys, srid=4326)
        reasons = sorted({r.reason_code for r in records if r.status == severity and r.reason_code})
        out.append(
            CoverageGap(
                run=run,
                operator=operator,
                technology=tech,
                severity=severity,
                method="model",
                computed_at=now,
                population=sum(v.population for v, _ in members),
                reason=(", ".join(reasons) or "model")[:200],
                geom=geom,
            )
        )
    return out


def compare(run_a: CoverageRun, run_b: CoverageRun) -> dict:
    """Village statuses that differ between two runs, and each run's counts per operator/technology."""

    def statuses(run):
        return {
            (r.village_id, r.operator, r.technology): r
            for r in VillageCoverage.objects.filter(run=run).select_related("village", "village__commune")
        }

    a, b = statuses(run_a), statuses(run_b)
    changes = []
    for key in sorted(set(a) | set(b), key=lambda k: (k[1], k[2], k[0])):
        ra, rb = a.get(key), b.get(key)
        sa, sb = (ra.status if ra else None), (rb.status if rb else None)
        if sa != sb:
            village = (ra or rb).village
            changes.append(
                {
                    "village_id": key[0],
                    "village": village.name,
                    "commune": village.commune.name,
                    "lon": round(village.geom.x, 6),
                    "lat": round(village.geom.y, 6),
                    "operator": key[1],
                    "technology": key[2],
                    "before": sa,
                    "after": sb,
                }
            )
    return {
        "a": run_a.pk,
        "b": run_b.pk,
        "counts": {"a": run_a.summary.get("combos", {}), "b": run_b.summary.get("combos", {})},
        "changes": changes,
    }


def figures(run: CoverageRun) -> dict:
    """Village coverage figures of a run, per operator/technology and for the district as a whole.

    ``covered_by_any``: villages with "covered" from at least one operator and technology;
    ``covered_by_3g4g``: the same for mobile broadband (3G/4G), the district's "~97%" figure;
    ``not_dead_zone``: villages where some operator has no "none" status in any technology (the
    dashboard's rule read from the coverage-gaps layer).
    """
    rows = VillageCoverage.objects.filter(run=run).values("village_id", "operator", "technology", "status")
    total = Village.objects.count()
    per: dict = {}
    covered_any, covered_broadband = set(), set()
    operators: dict = {}
    for row in rows:
        key = f"{row['operator']}/{row['technology']}"
        per.setdefault(key, {"covered": 0, "weak": 0, "none": 0})[row["status"]] += 1
        if row["status"] == "covered":
            covered_any.add(row["village_id"])
            if row["technology"] in {"3G", "4G"}:
                covered_broadband.add(row["village_id"])
        gaps = operators.setdefault(row["village_id"], {})
        gaps[row["operator"]] = gaps.get(row["operator"], False) or row["status"] == "none"
    not_dead = {v for v, ops in operators.items() if any(not none for none in ops.values())}

    def share(n):
        return round(n / total, 4) if total else None

    return {
        "run": run.pk,
        "villages": total,
        "per_operator_technology": dict(sorted(per.items())),
        "covered_by_any": len(covered_any),
        "share_covered_by_any": share(len(covered_any)),
        "covered_by_3g4g": len(covered_broadband),
        "share_covered_by_3g4g": share(len(covered_broadband)),
        "not_dead_zone": len(not_dead),
        "share_not_dead_zone": share(len(not_dead)),
    }
