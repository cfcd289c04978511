"""Fire events from hotspots: clustering pass, event figures and places, lifecycle, alert rules.

``refresh_events`` is the one entry point (called after every ingest and by Celery beat); it is
idempotent and serialised by an advisory lock, so overlapping calls do the work once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import clustering, notify
from .models import CONFIDENCE_RANK, AlertRule, FireEvent

LOCK_KEY = 0x45564E54  # "EVNT"


def _setting(name: str, default):
    return getattr(settings, name, default)


def cluster_distance_m() -> float:
    """Hotspots closer than this (metres) belong to the same fire."""
    return float(_setting("FIRE_CLUSTER_DISTANCE_M", 1500))


def cluster_window() -> timedelta:
    """Hotspots closer in time than this belong to the same fire."""
    return timedelta(hours=float(_setting("FIRE_CLUSTER_WINDOW_HOURS", 24)))


def out_after() -> timedelta:
    """A fire with no detection for this long is out."""
    return timedelta(hours=float(_setting("FIRE_EVENT_OUT_AFTER_HOURS", 48)))


FETCH_CHUNK = 20_000


def refresh_events(now: datetime | None = None) -> dict:
    """Cluster unassigned hotspots into events, update the events touched, raise due alerts."""
    now = now or timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        existing, created, merged = _assign()
        _write_events(created, existing, now)
        statuses = _update_lifecycle(now)
        touched = sorted(existing + created)
        alerted = raise_alerts(touched, now=now)
    return {
        "events_touched": len(touched),
        "events_created": len(created),
        "events_merged": merged,
        "alerts": len(alerted),
        **statuses,
    }


def _assign() -> tuple[list[int], list[int], int]:
    """Link every unassigned hotspot to an event (existing, merged, or a new id); returns the events touched."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(h.acquired_at) FROM fire_hotspot h"
            " WHERE NOT EXISTS (SELECT 1 FROM fire_hotspotlink l WHERE l.hotspot_id = h.id)"
        )
        start = cursor.fetchone()[0]
        if start is None:
            return [], [], 0
        start -= cluster_window()
    # A server-side cursor read in chunks straight into float64 (40 bytes a hotspot): a back-filled
    # year is never held as Python rows, nor whole in the driver's buffer.
    parts = []
    with connection.connection.cursor(name="fire_assign") as server:
        server.execute(
            "SELECT h.id, ST_X(h.geom), ST_Y(h.geom), extract(epoch FROM h.acquired_at)::float8,"
            " coalesce(l.event_id, 0) FROM fire_hotspot h LEFT JOIN fire_hotspotlink l ON l.hotspot_id = h.id"
            " WHERE h.acquired_at >= %s ORDER BY h.acquired_at, h.id",
            [start],
        )
        while chunk := server.fetchmany(FETCH_CHUNK):
            parts.append(np.array(chunk, dtype="float64"))
    if not parts:
        return [], [], 0
    data = np.concatenate(parts)
    del parts
    ids = data[:, 0].astype(np.int64)
    event_of = data[:, 4].astype(np.int64)
    labels = clustering.cluster(
        data[:, 1],
        data[:, 2],
        data[:, 3],
        distance_m=cluster_distance_m(),
        window_s=cluster_window().total_seconds(),
    )
    # Per cluster: the events its hotspots already belong to (vectorised; only joins loop in Python).
    count = int(labels.max()) + 1 if len(labels) else 0
    linked = event_of > 0
    pairs = np.unique(np.column_stack((labels[linked], event_of[linked])), axis=0)
    label_target = np.zeros(count, dtype=np.int64)
    events_per_label = np.bincount(pairs[:, 0], minlength=count) if len(pairs) else np.zeros(count, dtype=np.int64)
    single = events_per_label[pairs[:, 0]] == 1 if len(pairs) else np.zeros(0, dtype=bool)
    label_target[pairs[single, 0]] = pairs[single, 1]
    merges: dict[int, int] = {}
    joined = pairs[~single]
    if len(joined):
        # When fires join, the event already alerted (earliest first) lives on, so one fire never alerts twice.
        alerted = FireEvent.objects.filter(pk__in=joined[:, 1].tolist(), alerted_at__isnull=False)
        alerted_at = {pk: at.timestamp() for pk, at in alerted.values_list("pk", "alerted_at")}
        for label in np.unique(joined[:, 0]):
            events = [int(e) for e in joined[joined[:, 0] == label, 1]]
            keeper = min(events, key=lambda e: (e not in alerted_at, alerted_at.get(e, 0), e))
            label_target[label] = keeper
            merges.update({other: keeper for other in events if other != keeper})
    new_labels = np.flatnonzero(events_per_label == 0)
    created_ids = _reserve_ids(len(new_labels))
    label_target[new_labels] = created_ids
    target = label_target[labels]
    changed = target != event_of
    fresh = event_of == 0  # linked hotspots change event only through a merge, below
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO fire_hotspotlink (hotspot_id, event_id) SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
            [ids[fresh].tolist(), target[fresh].tolist()],
        )
    _merge(merges)
    touched = {int(e) for e in np.unique(target[changed])} | set(merges.values())
    existing = sorted(touched - set(created_ids))
    return existing, created_ids, len(merges)


def _reserve_ids(count: int) -> list[int]:
    """Ids for new events taken from the table's sequence, so each event row is written once, complete."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('fire_fireevent', 'id')) FROM generate_series(1, %s)", [count]
        )
        return [row[0] for row in cursor.fetchall()]


def _merge(merges: dict[int, int]) -> None:
    """Move the hotspots of absorbed events to their keeper; absorbed events end as merged."""
    if not merges:
        return
    absorbed = list(merges)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE fire_hotspotlink l SET event_id = v.keeper"
            " FROM unnest(%s::bigint[], %s::bigint[]) AS v(old, keeper) WHERE l.event_id = v.old",
            [absorbed, [merges[a] for a in absorbed]],
        )
    for old, keeper in merges.items():
        event = FireEvent.objects.get(pk=old)
        event.merged_into_id = keeper
        event.status = "out"
        event.hotspot_count = 0
        if event.alert_state in FireEvent.OPEN_ALERT_STATES:
            event.alert_state = "closed"
            event.closed_at = timezone.now()
            event.actions.create(from_state="open", to_state="closed", note=f"merged into event {keeper}")
        event.save()


# Everything an event knows, computed once for all touched events: figures from its hotspots, the
# footprint, the status, and its places (forests and communes are few polygons, each driving an index
# search of the points; the nearest village is a KNN lookup).
_STATS_SQL = """
CREATE TEMP TABLE fire_event_stats AS
WITH agg AS (
  SELECT l.event_id AS id, count(*) AS n, min(h.acquired_at) AS first_seen, max(h.acquired_at) AS last_seen,
         max(h.frp) AS max_frp, count(DISTINCT (h.satellite, h.acquired_at)) AS overpasses,
         (ARRAY['low', 'nominal', 'high'])[max(CASE h.confidence WHEN 'high' THEN 3 WHEN 'nominal' THEN 2 ELSE 1 END)]
           AS max_confidence,
         ST_ConvexHull(ST_Collect(h.geom)) AS hull, ST_Centroid(ST_Collect(h.geom)) AS centroid
  FROM fire_hotspotlink l JOIN fire_hotspot h ON h.id = l.hotspot_id
  WHERE l.event_id = ANY(%(ids)s) GROUP BY l.event_id
), forest AS (
  SELECT DISTINCT l.event_id FROM places_forestarea f
  JOIN fire_hotspot h ON ST_Intersects(f.geom, h.geom)
  JOIN fire_hotspotlink l ON l.hotspot_id = h.id
  WHERE l.event_id = ANY(%(ids)s)
), commune AS (
  SELECT DISTINCT ON (a.id) a.id, c.id AS commune_id FROM agg a
  JOIN places_commune c ON ST_Intersects(c.geom, a.centroid) ORDER BY a.id, c.id
), village AS (
  SELECT a.id, v.id AS village_id, ST_Distance(v.geom::geography, a.centroid::geography) AS distance
  FROM agg a
  CROSS JOIN LATERAL (SELECT pv.id, pv.geom FROM places_village pv ORDER BY pv.geom <-> a.centroid LIMIT 1) v
)
SELECT agg.id, agg.n, agg.first_seen, agg.last_seen, agg.max_frp, agg.overpasses, agg.max_confidence,
       agg.centroid,
       -- Buffered in Web Mercator with the scale corrected at the event's latitude: metres without the
       -- cost of a geography buffer, exact enough for a footprint of a few hundred metres.
       ST_Transform(ST_Buffer(ST_Transform(agg.hull, 3857), %(buffer)s / cos(radians(ST_Y(agg.centroid))), 4), 4326)
         AS footprint,
       CASE WHEN agg.last_seen < %(out_before)s THEN 'out' WHEN agg.overpasses > 1 THEN 'active' ELSE 'new' END
         AS status,
       forest.event_id IS NOT NULL AS in_forest, commune.commune_id, village.village_id, village.distance
FROM agg
LEFT JOIN forest ON forest.event_id = agg.id
LEFT JOIN commune ON commune.id = agg.id
LEFT JOIN village ON village.id = agg.id
"""

_INSERT_SQL = """
INSERT INTO fire_fireevent (id, status, alert_state, hotspot_count, overpass_count, first_seen, last_seen, max_frp,
  max_confidence, in_forest, commune_id, nearest_village_id, village_distance_m, centroid, verdict, cause,
  verification_note, photo, created_at, updated_at, geom)
SELECT id, status, 'none', n, overpasses, first_seen, last_seen, max_frp, max_confidence, in_forest, commune_id,
       village_id, distance, centroid, '', '', '', '', now(), now(), footprint
FROM fire_event_stats WHERE id = ANY(%(ids)s)
"""

_UPDATE_SQL = """
UPDATE fire_fireevent e SET
  status = s.status, hotspot_count = s.n, overpass_count = s.overpasses, first_seen = s.first_seen,
  last_seen = s.last_seen, max_frp = s.max_frp, max_confidence = s.max_confidence, in_forest = s.in_forest,
  commune_id = s.commune_id, nearest_village_id = s.village_id, village_distance_m = s.distance,
  centroid = s.centroid, geom = s.footprint, updated_at = now()
FROM fire_event_stats s WHERE e.id = s.id AND e.id = ANY(%(ids)s)
"""


def _write_events(created: list[int], existing: list[int], now: datetime) -> None:
    """Insert the new events and update the touched ones, each row written once."""
    if not created and not existing:
        return
    params = {
        "ids": created + existing,
        "buffer": float(_setting("FIRE_FOOTPRINT_BUFFER_M", 200)),
        "out_before": now - out_after(),
    }
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS fire_event_stats")
        cursor.execute(_STATS_SQL, params)
        cursor.execute(_INSERT_SQL, {"ids": created})
        cursor.execute(_UPDATE_SQL, {"ids": existing})
        cursor.execute("DROP TABLE fire_event_stats")


def _update_lifecycle(now: datetime) -> dict:
    """Time passing: live events with no detection for the quiet spell go out (new/active is set per pass)."""
    limit = now - out_after()
    live = FireEvent.objects.filter(merged_into__isnull=True).exclude(status="out")
    return {"events_out": live.filter(last_seen__lt=limit).update(status="out")}


def rule_matches(rule: AlertRule, event: FireEvent) -> bool:
    """Whether an event deserves an alert by this rule (hotspot filters in SQL, location here)."""
    location_open = not rule.in_forest and rule.max_village_distance_km is None
    near_village = (
        rule.max_village_distance_km is not None
        and event.village_distance_m is not None
        and event.village_distance_m <= rule.max_village_distance_km * 1000
    )
    if not (location_open or (rule.in_forest and event.in_forest) or near_village):
        return False
    return qualifying_hotspots(rule, event.pk) >= rule.min_hotspots


def qualifying_hotspots(rule: AlertRule, event_id: int) -> int:
    """Hotspots of the event that pass the rule's confidence, type and static-source filters."""
    ranks = [name for name, rank in CONFIDENCE_RANK.items() if rank >= CONFIDENCE_RANK[rule.min_confidence]]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM fire_hotspotlink l JOIN fire_hotspot h ON h.id = l.hotspot_id"
            " WHERE l.event_id = %s AND h.confidence = ANY(%s)"
            " AND (h.fire_type IS NULL OR NOT h.fire_type = ANY(%s))"
            " AND (NOT %s OR NOT EXISTS (SELECT 1 FROM fire_staticheatsource s"
            "      WHERE ST_DWithin(s.geom::geography, h.geom::geography, s.radius_m)))",
            [event_id, ranks, rule.excluded_types(), rule.exclude_static_sources],
        )
        return cursor.fetchone()[0]


def raise_alerts(event_ids: list[int], *, now: datetime | None = None) -> list[int]:
    """Alert each given event at most once, by the first active rule it meets; notifications in the outbox."""
    now = now or timezone.now()
    rules = list(AlertRule.objects.filter(active=True).order_by("pk"))
    if not rules or not event_ids:
        return []
    alerted = []
    candidates = FireEvent.objects.filter(
        pk__in=event_ids, alert_state="none", merged_into__isnull=True, last_seen__gte=now - out_after()
    )
    for event in candidates:
        rule = next((r for r in rules if rule_matches(r, event)), None)
        if rule is None:
            continue
        # The conditional update makes "once" hold even if two passes race.
        won = FireEvent.objects.filter(pk=event.pk, alert_state="none").update(
            alert_state="new", alerted_at=now, alert_rule=rule
        )
        if won:
            alerted.append(event.pk)
    if alerted:
        notify.queue_alerts(alerted)
    return alerted
