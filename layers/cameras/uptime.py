"""Uptime over 24 hours, 7 and 30 days: one SQL query over the status changes, per device or per kind.

Each change opens a span that lasts until the next change (or now); spans are clipped to the window. Time
before a device's first check is unknown and left out, so a new camera is not counted as down.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone

WINDOWS = (("24h", timedelta(hours=24)), ("7d", timedelta(days=7)), ("30d", timedelta(days=30)))
_GROUPS = {"device": "ch.device_id", "kind": "ch.kind"}

_SQL = """
WITH win(label, start) AS (VALUES (%s, %s::timestamptz), (%s, %s::timestamptz), (%s, %s::timestamptz)),
ch AS (
    SELECT c.device_id, d.kind, c.at, c.to_status,
           COALESCE(LEAD(c.at) OVER (PARTITION BY c.device_id ORDER BY c.at, c.id), %s::timestamptz) AS until
    FROM cameras_statuschange c JOIN cameras_device d ON d.id = c.device_id
    WHERE d.enabled {only}
),
span AS (
    SELECT {group} AS grp, win.label, ch.to_status,
           EXTRACT(EPOCH FROM LEAST(ch.until, %s::timestamptz) - GREATEST(ch.at, win.start)) AS secs
    FROM ch CROSS JOIN win
    WHERE ch.until > win.start AND ch.at < %s::timestamptz
)
SELECT grp, label,
       COALESCE(SUM(secs) FILTER (WHERE to_status = 'online'), 0),
       COALESCE(SUM(secs) FILTER (WHERE to_status IN ('online', 'offline')), 0)
FROM span WHERE secs > 0 GROUP BY grp, label
"""


def _query(group: str, device_ids=None, kinds=None, now=None) -> dict:
    now = now or timezone.now()
    params: list = []
    for label, length in WINDOWS:
        params += [label, now - length]
    params.append(now)
    only = ""
    if device_ids is not None:
        only = "AND d.id = ANY(%s)"
        params.append(list(device_ids))
    elif kinds is not None:
        only = "AND d.kind = ANY(%s)"
        params.append(list(kinds))
    params += [now, now]
    out: dict = {}
    with connection.cursor() as cur:
        cur.execute(_SQL.format(group=_GROUPS[group], only=only), params)
        for grp, label, up, known in cur.fetchall():
            out.setdefault(grp, {})[label] = {
                "uptime": float(up) / float(known) if known else None,
                "seconds": float(known),
            }
    return {
        grp: {label: windows.get(label, {"uptime": None, "seconds": 0.0}) for label, _ in WINDOWS}
        for grp, windows in out.items()
    }


def empty() -> dict:
    """Uptime of a device never checked: unknown in every window."""
    return {label: {"uptime": None, "seconds": 0.0} for label, _ in WINDOWS}


def per_device(device_ids, now=None) -> dict:
    """{device id: {"24h"|"7d"|"30d": {"uptime": share 0..1 or None, "seconds": time known}}}."""
    ids = list(device_ids)
    found = _query("device", device_ids=ids, now=now)
    return {pk: found.get(pk, empty()) for pk in ids}


def per_kind(kinds=None, now=None) -> dict:
    """{kind: {window: {"uptime", "seconds"}}} over every enabled device of that kind."""
    return _query("kind", kinds=kinds, now=now)


CAMERA_KINDS = ("security", "traffic", "school", "water_level")


def overall(kinds=CAMERA_KINDS, now=None) -> dict:
    """{window: {"uptime", "seconds"}} over every enabled device of these kinds together."""
    totals = {label: [0.0, 0.0] for label, _ in WINDOWS}
    for windows in per_kind(kinds=kinds, now=now).values():
        for label, value in windows.items():
            if value["uptime"] is not None:
                totals[label][0] += value["uptime"] * value["seconds"]
                totals[label][1] += value["seconds"]
    return {label: {"uptime": up / known if known else None, "seconds": known} for label, (up, known) in totals.items()}
