"""Choosing new tower sites (and Wi-Fi points) that bring signal to the most people.

Demand: the villages not covered for the chosen operator/technology in a finished run, weighted
by population. Candidates: hilltops of the DEM near that demand, a regular grid, or a given list.
Each candidate is modelled as a new omnidirectional site (existing towers stay as they are) and
covers a village when its predicted power there reaches the "covered" threshold. The greedy
maximal-covering choice of k sites is stored with the villages and people each adds, and a
what-if run (planned sites added to the towers) shows the new coverage before anything is built.
"""

from __future__ import annotations

import math

import numpy as np
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.translation import gettext

from geoplatform.errors import PlatformError
from layers.places.models import Village

from . import coverage, labels, parameters, terrain
from .models import CandidateSite, CoverageRun, SitePlan, VillageCoverage, WifiPoint
from .radio import planning

SITE_DEFAULTS = {"antenna_height_m": 40.0, "power_dbm": 43.0, "gain_dbi": 15.0}
HILLTOP_WINDOW_CELLS = 15  # local maximum over 15 x 15 cells (450 m at 30 m)
MAX_CANDIDATES = 60
GRID_SPACING_M = 2000.0


class PlanningError(PlatformError):
    """A plan cannot be made (no finished run, bad candidates, k out of range)."""

    code = "planning"
    status = 400


def base_run() -> CoverageRun:
    """The newest finished real (not what-if) coverage run."""
    run = coverage.latest_real_run()
    if run is None:
        message = gettext("Chưa có lần tính thực tế nào xong: hãy tính vùng phủ trước.")
        raise PlanningError(message, field="base_run")
    return run


def plan(
    k: int,
    *,
    operator: str = "viettel",
    technology: str = "4G",
    candidates: str | list[dict] = "hilltops",
    run: CoverageRun | None = None,
    what_if: bool = True,
    site: dict | None = None,
) -> SitePlan:
    """Choose up to k new sites for one operator/technology; optionally queue the what-if run."""
    if not isinstance(k, int) or not 1 <= k <= 50:
        raise PlanningError(gettext("Số trạm mới (k) phải là số nguyên từ 1 đến 50."), field="k")
    if operator not in parameters.OPERATORS or technology not in parameters.TECHNOLOGIES:
        raise PlanningError(gettext("Hãy chọn nhà mạng và công nghệ trong danh sách."), field="operator")
    run = run or base_run()
    params = run.parameters
    grid = terrain.load(terrain.dem_asset(params["dem_id"]).path, params["crs"], params["resolution_m"])
    site_params = {**SITE_DEFAULTS, **(site or {})}
    covered = set(
        VillageCoverage.objects.filter(run=run, operator=operator, technology=technology, status="covered").values_list(
            "village_id", flat=True
        )
    )
    demand = [v for v in Village.objects.select_related("commune").order_by("pk") if v.pk not in covered]
    if not demand:
        network = labels.network(operator, technology)
        message = gettext("Mọi thôn đã có sóng %(network)s: không cần trạm mới.") % {"network": network}
        raise PlanningError(message, field="operator")
    drow, dcol, dinside = grid.rc_of([v.geom.x for v in demand], [v.geom.y for v in demand])
    reach = params["range_km"][technology] * 1000.0
    cells, source, names = _candidates(grid, candidates, drow[dinside], dcol[dinside], reach)
    lon, lat = grid.lonlat_of(cells[:, 0], cells[:, 1])
    covers = np.zeros((len(cells), len(demand)), dtype=bool)
    threshold = params["thresholds"][technology][0]
    for i in range(len(cells)):
        tx = _transmitter(names[i], operator, technology, float(lon[i]), float(lat[i]), site_params)
        result = coverage.tower_power(grid, tx, params)
        if result is None:
            continue
        win, power, _ = result
        for j in np.flatnonzero(dinside):
            r, c = drow[j] - win[0].start, dcol[j] - win[1].start
            if 0 <= r < power.shape[0] and 0 <= c < power.shape[1]:
                covers[i, j] = power[r, c] >= threshold
    weights = np.array([v.population for v in demand], dtype=float)
    answer = planning.greedy_mclp(covers, weights, k)
    with transaction.atomic():
        plan_row = SitePlan.objects.create(
            base_run=run,
            k=k,
            parameters={"operator": operator, "technology": technology, "candidates": source, "site": site_params},
            population_added=int(round(answer.total)),
            upper_bound=int(math.floor(answer.upper_bound)),
        )
        chosen = {c.candidate: (rank, c) for rank, c in enumerate(answer.choices, start=1)}
        rows = []
        for i in range(len(cells)):
            rank, choice = chosen.get(i, (None, None))
            added = [
                {
                    "id": demand[j].pk,
                    "name": demand[j].name,
                    "commune": demand[j].commune.name,
                    "population": demand[j].population,
                }
                for j in (choice.added if choice else [])
            ]
            rows.append(
                CandidateSite(
                    plan=plan_row,
                    source=source,
                    name=names[i],
                    elevation_m=float(grid.dem[cells[i, 0], cells[i, 1]]),
                    rank=rank,
                    population_added=int(round(choice.gain)) if choice else 0,
                    villages_added=added,
                    geom=Point(float(lon[i]), float(lat[i]), srid=4326),
                )
            )
        CandidateSite.objects.bulk_create(rows)
        if what_if and answer.choices:
            save_what_if(plan_row)
    return plan_row


def save_what_if(plan_row: SitePlan) -> CoverageRun:
    """Queue the what-if run of a plan: its chosen sites added to the towers (once; later calls return it)."""
    with transaction.atomic():
        # Locked so that two taps on "save" queue one run, not two.
        locked = SitePlan.objects.select_for_update().get(pk=plan_row.pk)
        run = locked.what_if_run if locked.what_if_run_id else _queue_what_if(locked)
    plan_row.what_if_run = run
    return run


def _queue_what_if(plan_row: SitePlan) -> CoverageRun:
    chosen = list(plan_row.candidates.filter(rank__isnull=False).order_by("rank"))
    if not chosen:
        raise PlanningError(gettext("Phương án này không chọn được trạm nào."), field="plan")
    operator, technology = plan_row.parameters["operator"], plan_row.parameters["technology"]
    site_params = plan_row.parameters.get("site") or SITE_DEFAULTS
    extra = [
        {
            "name": site.name,
            "operator": operator,
            "technology": technology,
            "lon": site.geom.x,
            "lat": site.geom.y,
            **site_params,
        }
        for site in chosen
    ]
    params = plan_row.base_run.parameters
    given = {key: params[key] for key in parameters.DEFAULTS if key != "extra_sites"}
    what_if_run = coverage.start({**given, "extra_sites": extra}, what_if=True)
    plan_row.what_if_run = what_if_run
    plan_row.save(update_fields=["what_if_run"])
    return what_if_run


def _transmitter(name, operator, technology, lon, lat, site) -> coverage.Transmitter:
    from ingest.towers import DEFAULT_BAND_MHZ

    return coverage.Transmitter(
        label=name,
        tower_id=None,
        operator=operator,
        technology=technology,
        lon=lon,
        lat=lat,
        height=float(site["antenna_height_m"]),
        azimuth=None,
        beamwidth=360.0,
        band_mhz=float(site.get("band_mhz") or DEFAULT_BAND_MHZ[technology]),
        power_dbm=float(site["power_dbm"]),
        gain_dbi=float(site["gain_dbi"]),
    )


def _candidates(grid, candidates, rows, cols, reach):
    """Candidate cells, their kind and names: hilltops or grid points near the demand, or a list."""
    if isinstance(candidates, list):
        if not candidates or len(candidates) > 500:
            raise PlanningError(gettext("Hãy đưa từ 1 đến 500 vị trí ứng viên."), field="candidates")
        try:
            lon = [float(c["lon"]) for c in candidates]
            lat = [float(c["lat"]) for c in candidates]
        except (KeyError, TypeError, ValueError) as exc:
            message = gettext("Mỗi vị trí ứng viên cần kinh độ (lon) và vĩ độ (lat) là số.")
            raise PlanningError(message, field="candidates") from exc
        r, c, inside = grid.rc_of(lon, lat)
        if not inside.all():
            message = gettext("Có vị trí ứng viên nằm ngoài vùng của mô hình độ cao.")
            raise PlanningError(message, field="candidates")
        names = [str(cand.get("name") or f"site {i + 1}")[:120] for i, cand in enumerate(candidates)]
        return np.column_stack([r, c]), "list", names
    if candidates not in {"hilltops", "grid"}:
        message = gettext("candidates phải là 'hilltops', 'grid' hoặc danh sách các {lon, lat}.")
        raise PlanningError(message, field="candidates")
    seeds = np.ones(grid.shape, dtype=bool)
    seeds[rows, cols] = False
    from scipy import ndimage

    near = ndimage.distance_transform_edt(seeds) * grid.cell <= reach / 2 if rows.size else ~seeds
    if candidates == "hilltops":
        cells = planning.hilltops(grid.dem, neighbourhood=HILLTOP_WINDOW_CELLS, limit=MAX_CANDIDATES, mask=near)
    else:
        spacing = max(int(GRID_SPACING_M / grid.cell), 1)
        cells = planning.grid_points(grid.shape, spacing, mask=near)[: MAX_CANDIDATES * 4]
    if len(cells) == 0:
        raise PlanningError(gettext("Không tìm được vị trí ứng viên gần các thôn chưa có sóng."), field="candidates")
    names = [f"{candidates[:-1]} {i + 1}" for i in range(len(cells))]
    return cells, candidates[:-1], names


def wifi_priorities(limit: int = 100) -> list[dict]:
    """Village cultural houses without public Wi-Fi, ranked by the households a point would serve."""
    served = set(WifiPoint.objects.filter(status="active", village__isnull=False).values_list("village_id", flat=True))
    run = coverage.latest_real_run()
    mobile = {}
    if run is not None:
        for row in VillageCoverage.objects.filter(run=run).values("village_id", "status"):
            if row["status"] == "covered":
                mobile[row["village_id"]] = "covered"
            else:
                mobile.setdefault(row["village_id"], row["status"])
    villages = Village.objects.filter(has_cultural_house=True).exclude(pk__in=served).select_related("commune")
    ranked = sorted(villages, key=lambda v: (-v.households, mobile.get(v.pk) == "covered", v.name))
    return [
        {
            "rank": i,
            "village_id": v.pk,
            "village": v.name,
            "commune": v.commune.name,
            "households": v.households,
            "population": v.population,
            "mobile": mobile.get(v.pk, "unknown"),
        }
        for i, v in enumerate(ranked[:limit], start=1)
    ]
