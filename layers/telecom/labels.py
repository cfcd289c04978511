"""Words and numbers of the coverage pages in the reader's language: statuses, reasons, runs, sites.

The model stores codes and an English reason sentence (for the command line and the logs); the
planner reads them here in Vietnamese or English, with numbers in the language's own format.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from .models import OPERATORS

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OPERATOR_NAMES = dict(OPERATORS)

STATUS = {
    "covered": gettext_lazy("Có sóng"),
    "weak": gettext_lazy("Sóng yếu"),
    "none": gettext_lazy("Không có sóng"),
}
RUN_STATUS = {
    "pending": gettext_lazy("Đang chờ"),
    "running": gettext_lazy("Đang tính"),
    "succeeded": gettext_lazy("Xong"),
    "failed": gettext_lazy("Thất bại"),
}
REASON = {
    "in_range": gettext_lazy("Trong vùng phủ"),
    "terrain_shadow": gettext_lazy("Bị địa hình che khuất"),
    "beyond_range": gettext_lazy("Ngoài bán kính phủ sóng"),
    "weak_signal": gettext_lazy("Tín hiệu suy hao"),
    "no_tower": gettext_lazy("Không có trạm"),
}
CANDIDATES = {"hilltops": gettext_lazy("Đỉnh đồi"), "grid": gettext_lazy("Lưới đều")}
# The weakest level a phone reports per technology (3GPP ranges: RxLev, RSCP, RSRP); the model
# computes far weaker powers behind ridges, which no phone would show as a signal at all.
FLOOR_DBM = {"2G": -110.0, "3G": -120.0, "4G": -140.0}


def level(dbm: float | None, technology: str = "") -> str:
    """A received power as "-95 dBm", or "không có tín hiệu" below what a phone can receive."""
    if dbm is None or dbm < FLOOR_DBM.get(technology, min(FLOOR_DBM.values())):
        return _("không có tín hiệu")
    return f"{number(dbm)} dBm"


# The English sentences written by coverage._explain, read back for their numbers and names.
_SHADOW = re.compile(
    r"ridge of (?P<elev>-?[\d.]+) m at .*?, (?P<dist>[\d.]+) km from the village, rises (?P<clear>[\d.]+) m "
    r"above the sightline to (?P<tower>.+) \((?P<tower_km>[\d.]+) km\)$"
)
_BEYOND = re.compile(r"tower, (?P<tower>.+), is (?P<km>[\d.]+) km away \(model range (?P<range>[\d.]+) km\)$")
_WEAK = re.compile(r"in sight of (?P<tower>.+) \((?P<km>[\d.]+) km\) but the path loss leaves (?P<level>.+)$")
_SERVED = re.compile(r"served by (?P<tower>.+) at (?P<dbm>-?[\d.]+) dBm$")
_SITE = re.compile(r"^(?P<kind>hilltop|grid|site) (?P<n>\d+)(?P<planned> \(planned\))?$")


def number(value, decimals: int = 0) -> str:
    """A number rounded and written the language's way (1.234,5 in Vietnamese, 1,234.5 in English)."""
    if value is None:
        return "–"
    # Vietnamese has no NUMBER_GROUPING in Django's locale files: the groups are made here.
    text = f"{float(value):,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    decimal, thousand = formats.get_format("DECIMAL_SEPARATOR"), formats.get_format("THOUSAND_SEPARATOR")
    return text.replace(",", "_").replace(".", decimal).replace("_", thousand)


def percent(share) -> str:
    """A share (0..1) as a percentage with one decimal."""
    return "–" if share is None else f"{number(100.0 * share, 1)} %"


def operator(code: str) -> str:
    """The operator's brand name."""
    return OPERATOR_NAMES.get(code, code)


def network(operator_code: str, technology: str) -> str:
    """An operator and a technology, e.g. "Viettel 4G"."""
    return f"{operator(operator_code)} {technology}"


def site(name: str) -> str:
    """A tower or planned site's name; the planner's generated names in the reader's language."""
    found = _SITE.match(name or "")
    if not found:
        return name
    # One site is one hilltop ("Hilltop 5"), not the candidate family ("Hilltops").
    kinds = {"hilltop": pgettext("one planned site", "Đỉnh đồi"), "grid": _("Điểm lưới"), "site": _("Vị trí")}
    text = f"{kinds[found['kind']]} {found['n']}"
    return _("%(site)s (dự kiến)") % {"site": text} if found["planned"] else text


def local_time(moment) -> str:
    """A stored UTC time shown in Asia/Ho_Chi_Minh, day first in Vietnamese."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, LOCAL_TZ)
    return formats.date_format(local, "d/m/Y H:i" if (get_language() or "vi").startswith("vi") else "j M Y, H:i")


def run_kind(run) -> str:
    """Real or what-if."""
    from .coverage import is_what_if

    return str(_("giả định") if is_what_if(run) else _("thực tế"))


def run_label(run) -> str:
    """A run as listed: number, real or what-if (before the time, so a narrow list still shows it), local time."""
    return f"#{run.pk} · {run_kind(run)} · {local_time(run.created_at)}"


def run_progress(run) -> str:
    """Progress of a run in words: its state and the towers computed so far."""
    state = str(RUN_STATUS.get(run.status, run.status))
    done, total = (run.progress or {}).get("done"), (run.progress or {}).get("total")
    if run.status == "running" and total:
        return _("%(state)s: %(done)s / %(total)s trạm") % {
            "state": state,
            "done": number(done or 0),
            "total": number(total),
        }
    return state


def reason(code: str, text: str, best_dbm=None) -> str:
    """Why a village has the status it has, in the reader's language, with rounded numbers."""
    text = text or ""
    if code == "terrain_shadow" and (m := _SHADOW.search(text)):
        return _(
            "Bị địa hình che khuất: dãy núi cao %(elev)s m, cách thôn %(dist)s km, cao hơn đường nhìn thẳng "
            "%(clear)s m, chắn sóng từ %(tower)s (cách %(tower_km)s km)"
        ) % {
            "elev": number(m["elev"]),
            "dist": number(m["dist"], 1),
            "clear": number(m["clear"]),
            "tower": site(m["tower"]),
            "tower_km": number(m["tower_km"], 1),
        }
    if code == "beyond_range" and (m := _BEYOND.search(text)):
        return _(
            "Ngoài bán kính phủ sóng: trạm gần nhất, %(tower)s, cách %(km)s km (bán kính mô hình %(range)s km)"
        ) % {
            "tower": site(m["tower"]),
            "km": number(m["km"], 1),
            "range": number(m["range"]),
        }
    if code == "weak_signal" and (m := _WEAK.search(text)):
        where = {"tower": site(m["tower"]), "km": number(m["km"], 1), "level": level(best_dbm)}
        if best_dbm is None or best_dbm < min(FLOOR_DBM.values()):
            return (
                _("Nhìn thấy trạm %(tower)s (cách %(km)s km) nhưng suy hao đường truyền quá lớn: không có tín hiệu")
                % where
            )
        return _("Nhìn thấy trạm %(tower)s (cách %(km)s km) nhưng suy hao đường truyền chỉ còn %(level)s") % where
    if code == "in_range" and (m := _SERVED.search(text)):
        return _("Được phục vụ bởi %(tower)s, %(dbm)s dBm") % {"tower": site(m["tower"]), "dbm": number(m["dbm"])}
    if code == "no_tower":
        return _("Không có trạm: thôn nằm ngoài mô hình địa hình (DEM) hoặc không có trạm nào trên đó")
    return str(REASON.get(code, _("Chưa rõ lý do")))
