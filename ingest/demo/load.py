"""Store the synthetic district in the database in one transaction, replacing the previous demo.

Every row the demo writes is listed in its IngestRun (kind "demo"); the next load deletes exactly
those rows first, so loading twice leaves one copy and data that is not demo data is never touched.
A real (non-synthetic) district of the same name makes the load refuse.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import shapely
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import GEOSGeometry
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from geoplatform.errors import Conflict
from ingest import discharge, firms, flood, runs, signal
from ingest.models import IngestRun, RasterAsset
from layers import roles
from layers.cameras import demo as camera_demo
from layers.cameras.models import Camera, Device
from layers.crossings import demoload as crossings_demoload
from layers.crossings.models import Crossing, Road
from layers.feedback import deadline_rules, routing
from layers.feedback.models import Category, Complaint, Note
from layers.fire import services as fire_services
from layers.fire.models import AlertRule, FireEvent, Hotspot
from layers.flood.models import DischargeSeries, DischargeValue, FloodEvent, FloodExtent, FloodObservation
from layers.parcels.models import Parcel
from layers.places.models import Commune, District, ForestArea, River, Village
from layers.telecom.models import CellTower, SignalMeasurement, WifiPoint

from . import build, drivetest

KIND = "demo"
SOURCE = "load_demo"
FIRMS_SOURCE = "VIIRS_SNPP_NRT"
DEMO_RULE = "Mô phỏng: cháy trong rừng hoặc cách thôn dưới 2 km"
USER_DOMAIN = "demo.bactramy.example"

# Deletion order: rows that point at others go first.
MODELS = (
    WifiPoint,
    SignalMeasurement,
    Complaint,
    Device,
    Camera,
    CellTower,
    FireEvent,
    AlertRule,
    Hotspot,
    FloodExtent,
    FloodObservation,
    FloodEvent,
    DischargeValue,
    DischargeSeries,
    RasterAsset,
    Parcel,
    ForestArea,
    Crossing,
    Road,
    River,
    Village,
    Commune,
    District,
    IngestRun,
)


def password_for(role: str) -> str:
    """The documented demo password of a role's user: "demo-<role>"."""
    return f"demo-{role}"


def _label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _geos(geom) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4326)


def _clear() -> int:
    """Delete the rows of previous demo loads (and a leftover synthetic district); returns runs cleared."""
    previous = list(IngestRun.objects.filter(kind=KIND, source=SOURCE))
    for model in MODELS:
        ids: set[int] = set()
        for run in previous:
            ids.update(run.params.get("rows", {}).get(_label(model), []))
        if model is Village:
            ids.update(Village.objects.filter(commune__district__synthetic=True).values_list("pk", flat=True))
        if model is IngestRun:
            ids.update(r.pk for r in previous)
        if ids:
            model.objects.filter(pk__in=ids).delete()
    District.objects.filter(synthetic=True, name=build.names.DISTRICT[0]).delete()
    return len(previous)


def _complaint(c: dict, commune: Commune | None) -> Complaint:
    """A demo complaint routed like a real one: its office, responsible unit and answer deadline."""
    category = Category.objects.filter(code=c["category"]).select_related("office").first()
    routed = {}
    if category is not None:
        routed = {
            "office": category.office,
            "agency_responsible": routing.agency(category, commune),
            "expected_at": deadline_rules.expected_for(category, c["created_at"]),
        }
    return Complaint(source="web", **{**c, **routed, "commune": commune, "geom": _geos(c["geom"])})


def _answers(rows: dict[str, list[int]]) -> None:
    """A public answer on every resolved or closed demo complaint, dated when it was resolved."""
    done = Complaint.objects.filter(pk__in=rows.get(_label(Complaint), []), status__in=("resolved", "closed"))
    Note.objects.bulk_create(
        Note(
            complaint=c,
            public=True,
            text=build.names.COMPLAINT_ANSWERS.get(c.category, build.names.COMPLAINT_ANSWERS["other"]),
            status_from="in_progress",
            status_to="resolved",
            created_at=c.resolved_at or c.updated_at,
        )
        for c in done
    )


# Invented people (Vietnamese order: family name first), so the header reads "name · role".
DEMO_PEOPLE = {
    roles.PLANNER: "Hồ Văn Minh",
    roles.RANGER: "Trần Văn Dũng",
    roles.URBAN_STAFF: "Lê Thị Hoa",
    roles.FEEDBACK_OFFICER: "Nguyễn Thị Lan",
    roles.OPERATOR: "Phạm Văn Hùng",
    roles.ADMIN: "Đinh Quang Huy",
}


def _users() -> list[tuple[str, str]]:
    """One demo user per role (username = role); the admin is staff and superuser."""
    logins = []
    for role in roles.ALL:
        user, _ = User.objects.get_or_create(username=role)
        user.email = f"{role}@{USER_DOMAIN}"
        user.first_name, user.last_name = DEMO_PEOPLE[role], ""
        user.is_active = True
        user.is_staff = user.is_superuser = role == roles.ADMIN
        user.set_password(password_for(role))
        user.save()
        user.groups.set([Group.objects.get_or_create(name=role)[0]])
        logins.append((role, password_for(role)))
    return logins


def _store(demo: build.Demo) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}

    def keep(model, objs):
        created = model.objects.bulk_create(objs, batch_size=1000)
        rows.setdefault(_label(model), []).extend(o.pk for o in created)
        return created

    d = demo.district
    (district,) = keep(
        District, [District(name=d["name"], name_en=d["name_en"], synthetic=True, geom=_geos(d["geom"]))]
    )
    communes = {
        c.name: c
        for c in keep(
            Commune,
            [
                Commune(
                    district=district,
                    name=c["name"],
                    code=c["code"],
                    kind=c["kind"],
                    population=c["population"],
                    geom=_geos(c["geom"]),
                )
                for c in demo.communes
            ],
        )
    }
    villages = keep(
        Village,
        [
            Village(
                commune=communes[v["commune"]],
                name=v["name"],
                households=v["households"],
                population=v["population"],
                has_cultural_house=v["has_cultural_house"],
                elevation_m=v["elevation_m"],
                geom=_geos(v["geom"]),
            )
            for v in demo.villages
        ],
    )
    by_name = {(v.commune.name, v.name): v for v in villages}
    keep(
        River,
        [
            River(name=r["name"], geom=_geos(shapely.MultiLineString(list(shapely.get_parts(r["geom"])))))
            for r in demo.rivers
        ],
    )
    keep(ForestArea, [ForestArea(name=f["name"], kind=f["kind"], geom=_geos(f["geom"])) for f in demo.forests])
    keep(
        CellTower, [CellTower(status="active", source="layer", **{**t, "geom": _geos(t["geom"])}) for t in demo.towers]
    )
    keep(
        WifiPoint,
        [
            WifiPoint(
                name=w["name"],
                site_kind=w["site_kind"],
                provider=w["provider"],
                status="active",
                range_m=w["range_m"],
                village=by_name[w["village"]],
                geom=_geos(w["geom"]),
            )
            for w in demo.wifi
        ],
    )
    cameras = keep(Camera, [Camera(**{**c, "geom": _geos(c["geom"])}) for c in demo.cameras])
    keep(Device, camera_demo.watch(cameras))  # checked against the loopback stand-ins of `make demo`
    keep(Parcel, [Parcel(version=1, **{**p, "geom": _geos(p["geom"])}) for p in demo.parcels])
    keep(
        Complaint,
        [_complaint(c, communes.get(c["commune"])) for c in demo.complaints],
    )
    dem = demo.dem
    keep(
        RasterAsset,
        [
            RasterAsset(
                kind="dem",
                name="Bắc Trà My DEM 1 arc-second (synthetic)",
                path=dem["path"],
                crs=dem["crs"],
                width=dem["width"],
                height=dem["height"],
                bounds=dem["bounds"],
                resolution=dem["resolution"],
                nodata=dem["nodata"],
                stats={**dem["stats"], "sha256": dem["sha256"]},
                synthetic=True,
            )
        ],
    )
    return rows


def _flood(demo: build.Demo, rows: dict[str, list[int]]) -> list[int]:
    """The storm's GFM passes and discharge forecast through the real ingesters; the observation ids."""
    f = demo.flood
    observations = []
    for item in f["passes"]:
        run = flood.ingest_gfm(item["path"], synthetic=True)
        if run.status != "succeeded" or not run.params.get("observation_id"):
            raise Conflict(f"the demo flood pass did not load: {run.message}")
        rows.setdefault(_label(IngestRun), []).append(run.pk)
        observations.append(run.params["observation_id"])
    run = discharge.ingest_path(f["discharge"], points=f["points"], synthetic=True)
    if run.status != "succeeded":
        raise Conflict(f"the demo discharge forecast did not load: {run.message}")
    rows.setdefault(_label(IngestRun), []).append(run.pk)
    rows.setdefault(_label(FloodObservation), []).extend(observations)
    events = FloodObservation.objects.filter(pk__in=observations).values_list("event_id", flat=True).distinct()
    rows.setdefault(_label(FloodEvent), []).extend(sorted(e for e in events if e))
    series = DischargeSeries.objects.filter(asset__run=run)
    rows.setdefault(_label(DischargeValue), []).extend(
        DischargeValue.objects.filter(series__in=series).values_list("pk", flat=True)
    )
    rows.setdefault(_label(DischargeSeries), []).extend(series.values_list("pk", flat=True))
    runs_ids = rows[_label(IngestRun)]
    rows.setdefault(_label(RasterAsset), []).extend(
        RasterAsset.objects.filter(run_id__in=runs_ids, synthetic=True).exclude(kind="dem").values_list("pk", flat=True)
    )
    return observations


def _fire(demo: build.Demo, rows: dict[str, list[int]], now: dt.datetime) -> dict:
    """The demo FIRMS file through the real ingester, then the event pass (events, lifecycle, alerts)."""
    run = firms.ingest_path(demo.firms_path, source=FIRMS_SOURCE)
    if run.status != "succeeded" or run.rows_rejected:
        raise Conflict(f"the demo FIRMS file did not load cleanly: {run.message}")
    rows.setdefault(_label(IngestRun), []).append(run.pk)
    rows.setdefault(_label(Hotspot), []).extend(Hotspot.objects.filter(run=run).values_list("pk", flat=True))
    if not AlertRule.objects.filter(active=True).exists():
        rule = AlertRule.objects.create(
            name=DEMO_RULE, min_confidence="nominal", in_forest=True, max_village_distance_km=2
        )
        rows.setdefault(_label(AlertRule), []).append(rule.pk)
    result = fire_services.refresh_events(now=now)
    events = FireEvent.objects.filter(links__hotspot__run=run).distinct().values_list("pk", flat=True)
    rows.setdefault(_label(FireEvent), []).extend(sorted(events))
    return result


def _signal(demo: build.Demo, rows: dict[str, list[int]]) -> IngestRun:
    """The demo drive test CSV through the real signal importer; its rows recorded for the next load."""
    before = SignalMeasurement.objects.aggregate(last=Max("pk"))["last"] or 0
    run = signal.ingest_path(demo.signal["path"], source="drive_test")
    if run.status != "succeeded" or run.rows_rejected:
        raise Conflict(f"the demo drive test did not load cleanly: {run.message}")
    rows.setdefault(_label(IngestRun), []).append(run.pk)
    # The importer keeps no run id on the rows: ours are the new ones named by the demo's device label.
    new = SignalMeasurement.objects.filter(pk__gt=before, device__startswith=drivetest.LABEL)
    rows.setdefault(_label(SignalMeasurement), []).extend(new.values_list("pk", flat=True))
    return run


def load(seed: int = build.DEFAULT_SEED, *, now: dt.datetime | None = None, out_dir: Path | None = None) -> dict:
    """Build the demo for this seed and store it, replacing the previous demo; a summary dict."""
    now = now or timezone.now()
    out_dir = Path(out_dir or Path(settings.DATA_DIR) / "demo")
    demo = build.build(seed, out_dir, now)
    with transaction.atomic():
        if District.objects.filter(name=demo.district["name"], synthetic=False).exists():
            raise Conflict("a real (non-synthetic) district of this name exists; the demo will not overwrite it")
        cleared = _clear()
        try:
            with transaction.atomic():
                rows = _store(demo)
                _answers(rows)
        except IntegrityError as exc:
            # A commune, river or parcel number that is not demo data: never overwritten.
            first = str(exc).splitlines()[0][:200]
            raise Conflict(
                f"the demo collides with rows that are not demo data ({first}); use a demo database"
            ) from exc
        flood_observations = _flood(demo, rows)
        fire = _fire(demo, rows, now)
        _signal(demo, rows)
        roads = crossings_demoload.store(demo.roads, rows)
        logins = _users()
        counts = {label: len(ids) for label, ids in rows.items()}
        run = runs.start(SOURCE, KIND, file_name=Path(demo.dem["path"]).name, sha256=demo.dem["sha256"])
        run.params = {"seed": seed, "synthetic": True, "rows": rows, "reach": demo.reach}
        runs.finish(
            run,
            read=sum(counts.values()),
            new=sum(counts.values()),
            duplicate=0,
            rejected=[],
            message=f"synthetic demo district, seed {seed}",
        )
    return {
        "seed": seed,
        "counts": counts,
        "reach": demo.reach,
        "dem": demo.dem,
        "firms_path": demo.firms_path,
        "fire": fire,
        "flood_path": demo.flood["path"],
        "signal": demo.signal,
        "roads": roads,
        "flood_km2": round(
            max(
                FloodObservation.objects.filter(pk__in=flood_observations).values_list("flooded_area_m2", flat=True),
                default=0.0,
            )
            / 1e6,
            2,
        ),
        "logins": logins,
        "replaced_runs": cleared,
        "run_id": run.pk,
    }
