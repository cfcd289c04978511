"""A water-level chart as SVG coordinates: pure arithmetic over (time, level) pairs (no Django)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 26


@dataclass(frozen=True)
class Chart:
    """Everything the template draws: the line, threshold lines, axis ticks.

    Coordinates are strings: a template would write numbers with the language's decimal comma, which
    SVG does not read.
    """

    points: str
    thresholds: list[dict]
    y_ticks: list[dict]
    x_ticks: list[dict]
    width: int = WIDTH
    height: int = HEIGHT
    axis_y: int = HEIGHT - BOTTOM
    label_y: int = HEIGHT - 8


def build(series, start: dt.datetime, end: dt.datetime, thresholds: dict[str, float | None], tz) -> Chart:
    """Scale the series between start and end; the y range holds every level and threshold."""
    values = [v for _, v in series] + [v for v in thresholds.values() if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    low, high = min(low, 0.0), high + 0.2 * max(high - low, 0.5)
    span_t = max((end - start).total_seconds(), 1.0)

    def x(t):
        return LEFT + (WIDTH - LEFT - RIGHT) * (t - start).total_seconds() / span_t

    def y(v):
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (v - low) / (high - low))

    points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in series)
    lines = [
        {"name": name, "y": f"{y(v):.1f}", "level": v}
        for name, v in thresholds.items()
        if v is not None and low <= v <= high
    ]
    step = _step(high - low)
    first = step * int(low / step)
    y_ticks = []
    value = first
    while value <= high:
        if value >= low:
            y_ticks.append({"y": f"{y(value):.1f}", "value": value})
        value = round(value + step, 6)
    x_ticks = []
    day = start.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    while day < end:
        x_ticks.append({"x": f"{x(day):.1f}", "label": day.strftime("%d/%m")})
        day += dt.timedelta(days=1)
    return Chart(points=points, thresholds=lines, y_ticks=y_ticks, x_ticks=x_ticks)


def _step(span: float) -> float:
    """A round tick step giving about five ticks."""
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        if span / step <= 6:
            return step
    return 20.0
