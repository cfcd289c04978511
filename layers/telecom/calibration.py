"""Calibration of a run against signal measurements: mean error, RMSE, hit rate, fitted offset.

Each measurement is compared with the run's predicted best-server power at its point for the same
operator and technology. Error = predicted - measured. The hit rate is the share of points whose
covered/none class agrees (weak counts as "has signal"); "no mobile signal" citizen reports (no
dBm) take part in the hit rate as measured "none". The fitted per-operator offset is the mean of
measured - predicted, to pass as ``operator_offset_db`` to the next run.
"""

from __future__ import annotations

import math

import numpy as np
import rasterio
from django.utils.translation import gettext
from pyproj import Transformer

from geoplatform.errors import PlatformError

from . import labels
from .models import CalibrationResult, CoverageRun, SignalMeasurement


class CalibrationError(PlatformError):
    """The run cannot be calibrated (not finished, or its rasters are gone)."""

    code = "calibration"
    status = 400


def stats(predicted: np.ndarray, measured: np.ndarray, thresholds: tuple[float, float]) -> dict:
    """Mean error, RMSE, hit rate and offset of predicted vs measured dBm (NaN measured = no signal)."""
    predicted = np.asarray(predicted, dtype=float)
    measured = np.asarray(measured, dtype=float)
    with_dbm = np.isfinite(measured)
    both = with_dbm & np.isfinite(predicted)
    error = predicted[both] - measured[both]
    weak_at = thresholds[1]
    has_pred = np.isfinite(predicted) & (predicted >= weak_at)
    has_meas = with_dbm & (measured >= weak_at)
    return {
        "measurements": int(with_dbm.sum()),
        "reports": int((~with_dbm).sum()),
        "mean_error_db": float(error.mean()) if error.size else None,
        "rmse_db": float(math.sqrt((error**2).mean())) if error.size else None,
        "hit_rate": float((has_pred == has_meas).mean()) if predicted.size else None,
        "offset_db": float(-error.mean()) if error.size else None,
    }


def calibrate(run: CoverageRun) -> list[CalibrationResult]:
    """Compare a finished run with every measurement of its operators/technologies; store the results."""
    if run.status != "succeeded":
        raise CalibrationError(gettext("Chỉ hiệu chỉnh được một lần tính đã xong."), field="run")
    results = []
    for key, path in sorted(run.outputs.items()):
        operator, tech = key.split("/")
        points = list(SignalMeasurement.objects.filter(operator=operator, technology=tech).values_list("geom", "dbm"))
        if not points:
            continue
        try:
            with rasterio.open(path) as ds:
                to_grid = Transformer.from_crs("EPSG:4326", ds.crs, always_xy=True).transform
                xy = [to_grid(g.x, g.y) for g, _ in points]
                values = np.array([v[0] for v in ds.sample(xy, indexes=1, masked=False)], dtype=float)
                inside = np.array([ds.index(x, y) for x, y in xy])
                ok = (inside[:, 0] >= 0) & (inside[:, 0] < ds.height) & (inside[:, 1] >= 0) & (inside[:, 1] < ds.width)
        except rasterio.errors.RasterioError as exc:
            message = gettext("Không đọc được ảnh vùng phủ của %(network)s.") % {
                "network": labels.network(operator, tech)
            }
            raise CalibrationError(message, field="run") from exc
        predicted = np.where(values <= -998.0, -np.inf, values)  # -999 = beyond every tower's range
        measured = np.array([math.nan if d is None else d for _, d in points], dtype=float)
        figures = stats(predicted[ok], measured[ok], tuple(run.parameters["thresholds"][tech]))
        result, _ = CalibrationResult.objects.update_or_create(
            run=run, operator=operator, technology=tech, defaults=figures
        )
        results.append(result)
    return results


def offsets(results: list[CalibrationResult]) -> dict:
    """Per-operator offset (dB) weighted by the number of measurements, for ``operator_offset_db``."""
    total: dict = {}
    for r in results:
        if r.offset_db is not None and r.measurements:
            s, n = total.get(r.operator, (0.0, 0))
            total[r.operator] = (s + r.offset_db * r.measurements, n + r.measurements)
    return {op: round(s / n, 2) for op, (s, n) in total.items()}
