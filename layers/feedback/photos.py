"""Photo checks: decode for real (never trust the name), cap bytes and pixels, strip metadata.

Pillow only (and Django's gettext for the refusals). The image is re-encoded as JPEG from its
pixels, so nothing of the original file (EXIF, comments, trailing bytes, polyglot payloads)
survives; the GPS position, if any, is read first and handed back so it can pre-fill the report's location.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Camera and phone formats; everything else (SVG, HTML, PDF, TIFF with its many codecs) is refused.
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
MAX_SIDE_STORED = 2560
GPS_IFD = 0x8825


class PhotoError(ValueError):
    """A file that is not an acceptable photo; ``too_large`` tells size refusals apart."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.too_large = too_large


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo: JPEG bytes, size, digest and the GPS position found in it (lon, lat)."""

    jpeg: bytes
    width: int
    height: int
    sha256: str
    gps: tuple[float, float] | None


def _degrees(value) -> float:
    d, m, s = (float(v) for v in value)
    return d + m / 60 + s / 3600


def gps_position(exif) -> tuple[float, float] | None:
    """(lon, lat) from an EXIF block's GPS directory, or None when absent or malformed."""
    try:
        gps = exif.get_ifd(GPS_IFD)
        lat = _degrees(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _degrees(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        return None
    return lon, lat


def _count(value: int) -> str:
    # Django's Vietnamese formats have no number grouping: 40.000.000 is written here.
    return f"{value:,}".replace(",", formats.get_format("THOUSAND_SEPARATOR"))


def clean(data: bytes, *, max_bytes: int, max_pixels: int) -> CleanPhoto:
    """Check one uploaded file and re-encode it; raise PhotoError naming the reason."""
    if len(data) > max_bytes:
        # Below 1 MB (small test caps) the limit is named in bytes, not as "0 MB".
        if max_bytes >= 1024 * 1024:
            message = _("Ảnh lớn hơn %(size)s MB.") % {"size": max_bytes // (1024 * 1024)}
        else:
            message = _("Ảnh lớn hơn %(size)s byte.") % {"size": _count(max_bytes)}
        raise PhotoError(message, too_large=True)
    if not data:
        raise PhotoError(_("Tệp ảnh trống."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS))
            # Dimensions come from the header: refuse before a single pixel is decoded.
            width, height = image.size
            if width * height > max_pixels:
                message = _("Ảnh có %(width)s×%(height)s điểm ảnh, vượt mức tối đa %(max)s điểm ảnh.")
                message %= {"width": width, "height": height, "max": _count(max_pixels)}
                raise PhotoError(message, too_large=True)
            gps = gps_position(image.getexif())
            image.load()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard fires at open for the largest ones; the answer is the same.
        message = _("Ảnh có nhiều điểm ảnh hơn mức tối đa %(max)s điểm ảnh.") % {"max": _count(max_pixels)}
        raise PhotoError(message, too_large=True) from None
    except UnidentifiedImageError:
        raise PhotoError(_("Tệp này không phải ảnh JPEG, PNG, WebP hay GIF.")) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(_("Không đọc được ảnh: %(detail)s") % {"detail": str(exc)[:120]}) from None
    image = ImageOps.exif_transpose(image)  # keep the picture upright once its EXIF is gone
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGBA").convert("RGB") if "A" in image.mode or image.mode == "P" else image.convert("RGB")
    image.thumbnail((MAX_SIDE_STORED, MAX_SIDE_STORED))
    # Pillow would carry comments, ICC and EXIF over from image.info on save: start from the pixels alone.
    image = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    jpeg = out.getvalue()
    return CleanPhoto(jpeg, image.width, image.height, hashlib.sha256(jpeg).hexdigest(), gps)
