"""The officers' CSV export of complaints (contact included: officers only), spreadsheet-safe."""

from __future__ import annotations

from . import csvcells
from .open311 import status_of, when

HEADER = (
    "tracking_code",
    "category",
    "status",
    "open311_status",
    "created_at",
    "expected_at",
    "acknowledged_at",
    "resolved_at",
    "commune",
    "agency_responsible",
    "lon",
    "lat",
    "description",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
)


def complaints_csv(queryset, with_contact: bool) -> str:
    """CSV of the complaints; reporter contact columns only when the reader may see them."""
    header = HEADER if with_contact else HEADER[:-3]
    rows = []
    for c in queryset.select_related("commune"):
        row = [
            c.tracking_code,
            c.category,
            c.status,
            status_of(c.status),
            when(c.created_at),
            when(c.expected_at),
            when(c.acknowledged_at),
            when(c.resolved_at),
            c.commune.name if c.commune else "",
            c.agency_responsible,
            round(c.geom.x, 6),
            round(c.geom.y, 6),
            c.description,
        ]
        if with_contact:
            row += [c.reporter_name, c.reporter_phone, c.reporter_email]
        rows.append(row)
    return csvcells.write(header, rows)
