"""Pure rules of a crossing's water level: thresholds to status, and checking one reading (no Django)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# A gauge at a low-water crossing reads metres above the deck; beyond these it is a broken sensor.
MIN_LEVEL_M = -10.0
MAX_LEVEL_M = 30.0
# A box's clock may run a little ahead; more than this is a wrong clock, not a reading.
FUTURE_SLACK = dt.timedelta(minutes=10)
OLDEST = dt.timedelta(days=366)


class BadReading(ValueError):
    """A reading refused, with the field at fault and a reason in words."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Level:
    """A checked reading: UTC time and level in metres."""

    measured_at: dt.datetime
    level_m: float


def status(level_m: float | None, caution_m: float | None, closed_m: float | None) -> str:
    """safe / caution / closed for a level against the thresholds; unknown without a level."""
    if level_m is None:
        return "unknown"
    if closed_m is not None and level_m >= closed_m:
        return "closed"
    if caution_m is not None and level_m >= caution_m:
        return "caution"
    return "safe"


def parse_time(value, now: dt.datetime) -> dt.datetime:
    """An ISO 8601 time in UTC; a time without offset is read as Asia/Ho_Chi_Minh (the box's wall clock)."""
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            raise BadReading("measured_at", f"không đọc được thời điểm {value!r}; dùng ISO 8601") from None
    else:
        raise BadReading("measured_at", "thiếu thời điểm đo")
    if when.tzinfo is None:
        when = when.replace(tzinfo=LOCAL)
    when = when.astimezone(dt.UTC)
    if when > now + FUTURE_SLACK:
        raise BadReading("measured_at", "thời điểm đo ở tương lai (đồng hồ thiết bị sai?)")
    if when < now - OLDEST:
        raise BadReading("measured_at", "thời điểm đo cũ hơn một năm")
    return when


def parse_level(value) -> float:
    """A level in metres: a finite number inside the gauge's physical range."""
    if isinstance(value, bool) or value is None or value == "":
        raise BadReading("level_m", "thiếu mực nước")
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise BadReading("level_m", f"mực nước {value!r} không phải là số") from None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadReading("level_m", "mực nước phải là một số hữu hạn")
    if not MIN_LEVEL_M <= value <= MAX_LEVEL_M:
        raise BadReading("level_m", f"mực nước {value} m ngoài khoảng đo {MIN_LEVEL_M}..{MAX_LEVEL_M} m")
    return float(value)


def parse(item, now: dt.datetime) -> Level:
    """One reading from a JSON object or CSV row with measured_at and level_m."""
    if not isinstance(item, dict):
        raise BadReading("readings", "mỗi số đo phải là một đối tượng {measured_at, level_m}")
    return Level(parse_time(item.get("measured_at"), now), parse_level(item.get("level_m")))
