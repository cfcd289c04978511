"""Draw the offline base-map tile with Pillow: terrain image plus boundaries, rivers and names (no Django)."""

import io
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

Ring = Sequence[tuple[float, float]]
PAPER = (236, 233, 224, 255)
BOUNDARY = (90, 90, 90, 255)
RIVER = (58, 143, 217, 255)
LABEL = (30, 30, 30, 255)
HALO = (255, 255, 255, 230)
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


@lru_cache(maxsize=4)
def _overlap(a, b) -> bool:
    """Whether two (left, top, right, bottom) boxes touch, with a small gap kept between names."""
    return a[0] < b[2] + 3 and b[0] < a[2] + 3 and a[1] < b[3] + 2 and b[1] < a[3] + 2


def _font(size: int):
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def render(
    terrain: np.ndarray | None,
    *,
    size: int,
    boundaries: Iterable[Ring] = (),
    rivers: Iterable[Ring] = (),
    labels: Iterable[tuple[float, float, str]] = (),
    zoom: int = 12,
) -> bytes:
    """PNG bytes of one tile: terrain RGBA (or plain paper), commune rings, river lines, village names.

    ``labels`` come most important first: a name that would overlap one already written is left out.
    """
    base = Image.new("RGBA", (size, size), PAPER)
    if terrain is not None:
        base.alpha_composite(Image.fromarray(terrain, "RGBA"))
    draw = ImageDraw.Draw(base)
    river_width = 1 if zoom < 12 else 2 if zoom < 14 else 3
    for line in rivers:
        if len(line) >= 2:
            draw.line(list(line), fill=RIVER, width=river_width)
    for ring in boundaries:
        if len(ring) >= 2:
            _dashed(draw, list(ring), BOUNDARY, dash=5, gap=3)
    if zoom >= 11:
        font = _font(11 if zoom < 14 else 13)
        placed: list[tuple[float, float, float, float]] = []
        for px, py, text in labels:
            draw.ellipse((px - 2, py - 2, px + 2, py + 2), fill=LABEL)
            # Clear of the overlay's marker drawn on the same point (radius up to ~9 px), so no letter hides under it.
            at = (px + 11, py - 7)
            box = draw.textbbox(at, text, font=font, stroke_width=2)
            if any(_overlap(box, other) for other in placed):
                continue  # a name already written here (they come most important first): no garbled pile of names
            placed.append(box)
            draw.text(at, text, font=font, fill=LABEL, stroke_width=2, stroke_fill=HALO)
    out = io.BytesIO()
    base.save(out, "PNG", optimize=False)
    return out.getvalue()


def _dashed(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], fill, dash: float, gap: float) -> None:
    """A dashed polyline (Pillow has none)."""
    carry = 0.0  # how far into the current dash/gap pattern we are
    period = dash + gap
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        length = float(np.hypot(x1 - x0, y1 - y0))
        if length == 0:
            continue
        pos = 0.0
        while pos < length:
            phase = (carry + pos) % period
            step = min((dash - phase) if phase < dash else (period - phase), length - pos)
            if phase < dash:
                a, b = pos / length, (pos + step) / length
                draw.line(
                    [(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)],
                    fill=fill,
                    width=1,
                )
            pos += max(step, 1e-6)
        carry = (carry + length) % period
