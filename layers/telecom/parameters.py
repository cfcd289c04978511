"""The parameters of a coverage run: every default documented here, checked before a run starts.

A run keeps the full parameter set (defaults filled in) so two runs can be compared and one can be
re-run exactly. Unknown keys or values out of range are refused with CoverageParamsError.
"""

from __future__ import annotations

import copy
import math

from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError

from .radio.bestserver import DEFAULT_THRESHOLDS

OPERATORS = ("viettel", "vnpt", "mobifone")
TECHNOLOGIES = ("2G", "3G", "4G")

DEFAULTS: dict = {
    # Metric CRS the DEM is reprojected into on the fly: VN-2000 / UTM 48N, the national datum
    # (any projected CRS in metres is accepted, e.g. EPSG:32648 WGS 84 / UTM 48N).
    "crs": "EPSG:3405",
    # Analysis cell size in metres (SRTM / Copernicus DEM are 1 arc-second, about 30 m).
    "resolution_m": 30.0,
    # Receiver (phone) height above the ground in metres.
    "rx_height_m": 1.5,
    # Effective earth-radius factor for refraction (standard atmosphere k = 4/3); the viewshed
    # lowers terrain by d^2 / (2 k R), i.e. a gdal_viewshed curvature coefficient of 1/k = 0.75.
    "k_factor": 4.0 / 3.0,
    # Farthest distance a tower is computed to, per technology (km): GSM's timing advance caps a
    # cell at 35 km; UMTS and LTE cells in hilly terrain are planned well inside 20 and 15 km.
    "range_km": {"2G": 35.0, "3G": 20.0, "4G": 15.0},
    # Class thresholds (dBm): [covered at or above, weak at or above] on RxLev / RSCP / RSRP.
    "thresholds": {tech: list(pair) for tech, pair in DEFAULT_THRESHOLDS.items()},
    # Share of the transmitter power in the quantity phones measure (dB): GSM BCCH carrier 0;
    # UMTS CPICH about 10 % of the power (-10 dB); LTE RSRP is one resource element of 12 x 50
    # (10 MHz) subcarriers: -10 log10(600) = -27.8 dB.
    "signal_offset_db": {"2G": 0.0, "3G": -10.0, "4G": -27.8},
    # Cable and connector loss between transmitter and antenna (dB).
    "feeder_loss_db": 2.0,
    # Extra margin for clutter, foliage or body loss applied to every path (dB); 0 = terrain only.
    "extra_loss_db": 0.0,
    # Front-to-back ratio A_m of the 3GPP TR 36.814 horizontal sector pattern (dB).
    "front_to_back_db": 25.0,
    # Per-operator correction added to predicted power (dB), e.g. fitted by calibration.
    "operator_offset_db": {},
    # Radius of the inhabited area drawn around each village point for the gap polygons (m).
    "village_buffer_m": 1000.0,
    # Settlement cells: parcels with these land-use codes are inhabited wherever they lie (cadastral
    # ODT urban and ONT rural residential land); gap polygons cover village buffers and these.
    "settlement_land_use": ["ODT", "ONT"],
    # Restrict the run to some operators / technologies (empty = all that have active towers).
    "operators": [],
    "technologies": [],
    # What-if sites added to the existing towers: [{name, lon, lat, operator, technology,
    # antenna_height_m, band_mhz, power_dbm, gain_dbi}] (planned, not built).
    "extra_sites": [],
    # The RasterAsset id of the DEM (None = the newest DEM).
    "dem_id": None,
}

_NUMBERS = {
    "resolution_m": (5.0, 500.0),
    "rx_height_m": (0.0, 50.0),
    "k_factor": (0.5, 10.0),
    "feeder_loss_db": (0.0, 20.0),
    "extra_loss_db": (-20.0, 60.0),
    "front_to_back_db": (0.0, 60.0),
    "village_buffer_m": (50.0, 10000.0),
}
SITE_DEFAULTS = {"antenna_height_m": 30.0, "power_dbm": 43.0, "gain_dbi": 15.0}


class CoverageParamsError(PlatformError):
    """A coverage parameter is unknown or out of range."""

    code = "coverage_parameters"
    status = 400


def _number(value, key: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise CoverageParamsError(_("%(name)s phải là một số") % {"name": key}, field=key) from exc
    if not (math.isfinite(number) and low <= number <= high):
        message = _("%(name)s phải nằm trong khoảng %(low)s đến %(high)s") % {
            "name": key,
            "low": f"{low:g}",
            "high": f"{high:g}",
        }
        raise CoverageParamsError(message, field=key)
    return number


def _site(site, index: int) -> dict:
    if not isinstance(site, dict):
        raise CoverageParamsError(_("Mỗi trạm thêm phải là một đối tượng JSON"), field=f"extra_sites[{index}]")
    out = {**SITE_DEFAULTS, **site}
    field = f"extra_sites[{index}]"
    if out.get("operator") not in OPERATORS or out.get("technology") not in TECHNOLOGIES:
        raise CoverageParamsError(_("Trạm thêm cần nhà mạng và công nghệ trong danh sách"), field=field)
    out["lon"] = _number(out.get("lon"), f"{field}.lon", -180, 180)
    out["lat"] = _number(out.get("lat"), f"{field}.lat", -90, 90)
    out["antenna_height_m"] = _number(out["antenna_height_m"], f"{field}.antenna_height_m", 1, 300)
    out["power_dbm"] = _number(out["power_dbm"], f"{field}.power_dbm", 0, 70)
    out["gain_dbi"] = _number(out["gain_dbi"], f"{field}.gain_dbi", -10, 30)
    from ingest.towers import DEFAULT_BAND_MHZ

    out["band_mhz"] = _number(out.get("band_mhz", DEFAULT_BAND_MHZ[out["technology"]]), f"{field}.band_mhz", 400, 6000)
    out["name"] = str(out.get("name") or f"site {index + 1}")[:120]
    return out


def resolve(given: dict | None) -> dict:
    """The full parameter set: defaults overlaid with ``given``, checked."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        message = _("Tham số không được nhận: %(names)s") % {"names": ", ".join(unknown)}
        raise CoverageParamsError(message, field=unknown[0])
    params = copy.deepcopy(DEFAULTS)
    for key, value in given.items():
        if key in _NUMBERS:
            params[key] = _number(value, key, *_NUMBERS[key])
        elif key in {"range_km", "signal_offset_db", "thresholds"}:
            if not isinstance(value, dict) or set(value) - set(TECHNOLOGIES):
                raise CoverageParamsError(_("%(name)s phải gán giá trị cho 2G/3G/4G") % {"name": key}, field=key)
            for tech, item in value.items():
                if key == "thresholds":
                    if not isinstance(item, list | tuple) or len(item) != 2:
                        raise CoverageParamsError(_("thresholds là các cặp [có sóng, sóng yếu]"), field=key)
                    covered, weak = (_number(x, key, -160, 0) for x in item)
                    if weak > covered:
                        raise CoverageParamsError(_("Ngưỡng sóng yếu phải thấp hơn ngưỡng có sóng"), field=key)
                    params[key][tech] = [covered, weak]
                elif key == "range_km":
                    params[key][tech] = _number(item, key, 0.1, 100)
                else:
                    params[key][tech] = _number(item, key, -60, 10)
        elif key == "operator_offset_db":
            if not isinstance(value, dict) or set(value) - set(OPERATORS):
                raise CoverageParamsError(_("operator_offset_db phải gán số dB cho từng nhà mạng"), field=key)
            params[key] = {op: _number(v, key, -60, 60) for op, v in value.items()}
        elif key in {"operators", "technologies"}:
            allowed = OPERATORS if key == "operators" else TECHNOLOGIES
            if not isinstance(value, list | tuple) or set(value) - set(allowed):
                message = _("%(name)s phải là danh sách lấy trong: %(allowed)s") % {
                    "name": key,
                    "allowed": ", ".join(allowed),
                }
                raise CoverageParamsError(message, field=key)
            params[key] = list(value)
        elif key == "settlement_land_use":
            if not isinstance(value, list) or len(value) > 20 or not all(isinstance(c, str) and c for c in value):
                raise CoverageParamsError(_("settlement_land_use phải là danh sách mã loại đất"), field=key)
            params[key] = [c.strip().upper()[:10] for c in value]
        elif key == "extra_sites":
            if not isinstance(value, list) or len(value) > 200:
                raise CoverageParamsError(_("extra_sites phải là danh sách tối đa 200 trạm"), field=key)
            params[key] = [_site(site, i) for i, site in enumerate(value)]
        elif key == "crs":
            params[key] = _metric_crs(value)
        elif key == "dem_id":
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise CoverageParamsError(_("dem_id phải là mã số (id) của một mô hình độ cao đã nạp"), field=key)
            params[key] = value
    return params


def _metric_crs(value) -> str:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(str(value)[:200])
    except CRSError as exc:
        raise CoverageParamsError(_("crs không phải hệ toạ độ đã biết"), field="crs") from exc
    if not crs.is_projected or crs.axis_info[0].unit_name not in {"metre", "meter"}:
        raise CoverageParamsError(_("crs phải là hệ toạ độ phẳng tính bằng mét"), field="crs")
    return str(value)
