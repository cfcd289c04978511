"""Deadline arithmetic: clock hours for hazards, working days that skip weekends and holidays.

Pure: no Django. Times are timezone-aware; working days are counted on the local calendar of the
given zone (Asia/Ho_Chi_Minh for the district), so a report at 23:30 local counts from that day.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKEND = frozenset({5, 6})  # Saturday, Sunday


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    """A weekday that is not a holiday."""
    return day.weekday() not in WEEKEND and day not in holidays


def add_working_days(start: datetime, days: int, holidays: Collection[date], zone=LOCAL) -> datetime:
    """The moment ``days`` working days after ``start``, at the same local clock time.

    A report received on a day off starts its clock at 00:00 of the next working day, so
    three working days from a Saturday end when Wednesday ends (Thursday 00:00).
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if days < 0:
        raise ValueError("days must not be negative")
    local = start.astimezone(zone)
    day = local.date()
    if is_working_day(day, holidays):
        day = _nth_working_day_after(day, days, holidays)
        return datetime.combine(day, local.time(), zone)
    # Received on a day off: the first working day is the first day counted, in full.
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    if days == 0:
        return datetime.combine(day, time(0, 0), zone)
    day = _nth_working_day_after(day, days - 1, holidays)
    return datetime.combine(day + timedelta(days=1), time(0, 0), zone)


def _nth_working_day_after(day: date, n: int, holidays: Collection[date]) -> date:
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day


def expected(start: datetime, kind: str, value: int, holidays: Collection[date], zone=LOCAL) -> datetime:
    """The expected answer time of a report: ``value`` clock hours or ``value`` working days."""
    if kind == "hours":
        return start + timedelta(hours=value)
    if kind == "working_days":
        return add_working_days(start, value, holidays, zone)
    raise ValueError(f"unknown deadline kind {kind!r}")


def years_spanned(start: datetime, days: int) -> list[int]:
    """The calendar years a deadline of ``days`` working days from ``start`` may reach (holiday lookup)."""
    # Tết can add up to ~9 days off; weekends double the span in the worst case.
    end = start + timedelta(days=2 * days + 30)
    return list(range(start.year, end.year + 1))
