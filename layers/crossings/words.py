"""The words the map's popups and legend use for the crossings layers' fields and coded values."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import ACCESS, CROSSING_KINDS, ROAD_CLASSES, STATUSES

UNITS = {"level_m": "m", "caution_level_m": "m", "closed_level_m": "m", "length_km": "km"}


def theme() -> str:
    """The heading of the roads, crossings and road-access layers in the map's layer list."""
    return pgettext("map theme", "Giao thông")


def fields() -> dict:
    """A word for each field of the roads, crossings and road-access layers not named elsewhere."""
    return {
        "road_class": _("Cấp đường"),
        "length_km": _("Chiều dài"),
        "level_m": _("Mực nước"),
        "level_at": _("Đo lúc"),
        "river_name": _("Sông"),
        "road_name": _("Đường"),
        "caution_level_m": _("Ngưỡng cần chú ý"),
        "closed_level_m": _("Ngưỡng cấm qua"),
        "status_since": _("Tình trạng từ"),
        "commune_name": _("Xã"),
        "since": _("Từ lúc"),
        "checked_at": _("Kiểm tra lúc"),
    }


def values() -> dict:
    """Words for the coded values, by (layer slug, field)."""
    return {
        ("roads", "road_class"): {code: str(word) for code, word in ROAD_CLASSES},
        ("crossings", "kind"): {code: str(word) for code, word in CROSSING_KINDS},
        ("crossings", "status"): {code: str(word) for code, word in STATUSES},
        ("village-access", "status"): {code: str(word) for code, word in ACCESS},
    }
