"""Parse and check the view parameters shared by the map and the embeds (bbox, center, zoom, time, layers)."""

import math
import re
from datetime import datetime

from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
RELATIVE_TIMES = ("24h", "7d")


class BadViewParameter(PlatformError):
    """A map or embed parameter that cannot be used."""

    code = "bad_parameter"


def _floats(text: str, count: int, field: str) -> list[float]:
    parts = text.split(",")
    if len(parts) != count:
        raise BadViewParameter(
            _("%(field)s cần %(count)s số, cách nhau bằng dấu phẩy") % {"field": field, "count": count}, field=field
        )
    try:
        values = [float(p) for p in parts]
    except ValueError as exc:
        raise BadViewParameter(_("%(field)s có giá trị không phải là số") % {"field": field}, field=field) from exc
    if not all(math.isfinite(v) for v in values):
        raise BadViewParameter(_("%(field)s phải là các số hữu hạn") % {"field": field}, field=field)
    return values


def bbox(text: str | None) -> list[float] | None:
    """west,south,east,north in degrees, or None when absent."""
    if not text:
        return None
    west, south, east, north = _floats(text, 4, "bbox")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise BadViewParameter(
            _("bbox phải là tây,nam,đông,bắc tính bằng độ, với tây < đông và nam < bắc"), field="bbox"
        )
    return [west, south, east, north]


def center(text: str | None) -> list[float] | None:
    """lat,lon in degrees, or None when absent."""
    if not text:
        return None
    lat, lon = _floats(text, 2, "center")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadViewParameter(_("center phải là vĩ độ,kinh độ tính bằng độ"), field="center")
    return [lat, lon]


def zoom(text: str | None, max_zoom: int) -> int | None:
    """A zoom level 0..max_zoom, or None when absent."""
    if not text:
        return None
    if not text.isdigit() or int(text) > max_zoom:
        raise BadViewParameter(
            _("Mức thu phóng (zoom) phải là số nguyên từ 0 đến %(max)s") % {"max": max_zoom}, field="zoom"
        )
    return int(text)


def time(text: str | None) -> str | None:
    """ "24h", "7d" or an ISO 8601 "start/end" interval (either end may be ".."), or None."""
    if not text:
        return None
    if text in RELATIVE_TIMES:
        return text
    parts = text.split("/")
    if len(parts) != 2 or parts == ["..", ".."]:
        raise BadViewParameter(_('time phải là 24h, 7d hoặc "bắt đầu/kết thúc" theo ISO 8601'), field="time")
    for part in parts:
        if part == "..":
            continue
        try:
            datetime.fromisoformat(part.replace("Z", "+00:00"))
        except ValueError as exc:
            raise BadViewParameter(
                _("time có ngày không theo ISO 8601: %(value)s") % {"value": part[:40]}, field="time"
            ) from exc
    return text


def slugs(text: str | None) -> list[str]:
    """Layer slugs from a comma list; anything that is not slug-shaped is dropped."""
    if not text:
        return []
    out = []
    for part in text.split(",")[:50]:
        part = part.strip()
        if SLUG.match(part) and part not in out:
            out.append(part)
    return out
