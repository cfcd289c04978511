"""Telling operators and the communes concerned that villages are flooded or cut off: once per change.

A change is a village flooded (or cut off) in this observation that was not in the event's previous
one. Messages go per commune and kind; their outbox key names the event, commune, kind and the
observation's time, so running the hook again for the same observation enqueues nothing new.
"""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import transaction

from .alerts import outbox
from .models import FloodExposure

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
KINDS = {
    "flooded": ("ngập", "Thôn bị ngập"),
    "cut_off": ("bị chia cắt", "Thôn bị chia cắt khỏi thị trấn"),
}


def previous(row: FloodExposure) -> FloodExposure | None:
    """The exposure of the event's observation just before this one (None for the first)."""
    if row.event_id is None:
        return None
    return (
        FloodExposure.objects.filter(event_id=row.event_id, observed_at__lt=row.observed_at)
        .order_by("-observed_at", "-pk")
        .first()
    )


def changes(row: FloodExposure) -> dict[tuple[int, str], list[dict]]:
    """{(commune id, kind): villages newly in that state} compared with the previous observation."""
    before = previous(row)
    was = {v["id"]: v for v in (before.figures.get("villages", []) if before else [])}
    out = defaultdict(list)
    for v in row.figures.get("villages", []):
        for kind in KINDS:
            if v.get(kind) and not was.get(v["id"], {}).get(kind):
                out[(v["commune_id"], kind)].append(v)
    return out


def _recipients(box, commune_id):
    seen, out = set(), []
    for r in list(box.staff_recipients(roles=("operator",))) + list(
        box.staff_recipients(roles=("operator",), commune=commune_id)
    ):
        key = (r.channel, r.address)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def tell(row: FloodExposure) -> int:
    """Enqueue one message per commune and kind of change; the number of messages enqueued."""
    box = outbox()
    if box is None:
        return 0
    when = row.observed_at.astimezone(LOCAL).strftime("%H:%M %d/%m/%Y")
    stamp = row.observed_at.strftime("%Y-%m-%dT%H:%MZ")
    sent = 0
    with transaction.atomic():
        for (commune_id, kind), villages in sorted(changes(row).items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
            word, title = KINDS[kind]
            commune = villages[0]["commune"]
            names = ", ".join(v["name"] for v in villages)
            people = sum(v["population"] for v in villages)
            extra = [v["name"] for v in villages if v.get("needs_other_channel")]
            body = (
                f"Ảnh vệ tinh lúc {when}: {len(villages)} thôn của {commune} {word}: {names} (khoảng {people} người)."
            )
            if extra:
                body += (
                    f" Không có sóng di động ở {', '.join(extra)}: cần kênh khác "
                    "(loa truyền thanh, điểm Wi-Fi, người đưa tin)."
                )
            messages = box.enqueue(
                key=f"flood:village-{kind.replace('_', '-')}:{row.event_id or 'none'}:{commune_id}:{stamp}",
                topic="flood",
                subject=f"{title}: {commune} ({len(villages)} thôn)",
                body=body,
                payload={
                    "event_id": row.event_id,
                    "observation_id": row.observation_id,
                    "observed_at": row.observed_at.isoformat(),
                    "kind": kind,
                    "commune_id": commune_id,
                    "villages": [
                        {"id": v["id"], "name": v["name"], "needs_other_channel": v.get("needs_other_channel", False)}
                        for v in villages
                    ],
                },
                recipients=_recipients(box, commune_id),
                url=f"/flood/events/{row.event_id}/report/" if row.event_id else None,
            )
            sent += bool(messages)
    return sent
