"""What a person reads when a form is refused: one summary of every error, in words, each linked to its field."""

from __future__ import annotations

from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError
from layers.validation import GeometryError, OutsideDistrict

from .errors import PhotoRejected, PhotoTooLarge
from .intake import max_photo_bytes

# The service's field names (shared with Open311) -> the report form's fields.
REPORT_FIELDS = {"location": "commune", "name": "reporter_name", "phone": "reporter_phone", "email": "reporter_email"}
# Fields whose errors are about the place: the summary sends the person to the place section.
PLACE_FIELDS = ("lat", "lon", "commune", "village")


def citizen_message(exc: PlatformError) -> str:
    """The refusal in the person's language (services word some refusals for API clients, in English)."""
    if isinstance(exc, OutsideDistrict):
        return _("Nơi đã chọn nằm ngoài huyện Bắc Trà My. Hãy chọn lại trên bản đồ hoặc chọn xã và thôn.")
    if isinstance(exc, GeometryError):
        return _("Vị trí không hợp lệ; hãy chọn lại trên bản đồ hoặc chọn xã và thôn.")
    if isinstance(exc, PhotoTooLarge):
        return photo_too_large()
    if isinstance(exc, PhotoRejected):
        return _("Tệp đã chọn không phải ảnh hoặc bị hỏng. Hãy chọn ảnh JPEG, PNG, WebP hoặc GIF.")
    return exc.message


def photo_too_large() -> str:
    """The byte cap of a photo, in words."""
    megabytes = max(1, max_photo_bytes() // (1024 * 1024))
    return _("Ảnh quá lớn. Hãy chọn ảnh nhỏ hơn %(mb)d MB.") % {"mb": megabytes}


def report_field(exc: PlatformError, form) -> str | None:
    """The form field a service refusal belongs to (None: the whole form)."""
    if isinstance(exc, GeometryError):
        return "commune"
    name = REPORT_FIELDS.get(exc.field or "", exc.field)
    return name if name in form.fields else None


def summary(form, place_label: str | None = None, place_anchor: str = "fb-place") -> list[dict]:
    """Every error of a bound form as {label, message, anchor}, in the order of the fields; place errors once."""
    rows = [{"label": "", "message": m, "anchor": ""} for m in form.non_field_errors()]
    place_done = False
    for name, field in form.fields.items():
        errors = form.errors.get(name)
        if not errors:
            continue
        if name in PLACE_FIELDS:
            if place_done:
                continue
            place_done = True
            rows.append({"label": place_label or _("Nơi xảy ra"), "message": " ".join(errors), "anchor": place_anchor})
            continue
        rows.append({"label": str(field.label or name), "message": " ".join(errors), "anchor": f"id_{name}"})
    return rows
