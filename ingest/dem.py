"""DEM GeoTIFF/COG (SRTM, Copernicus DEM) into a RasterAsset(kind="dem"), in whatever CRS it defines.

The file is opened through ``ingest.rasters.open_checked`` (format allowlist, pixel cap, CRS
required: a DEM without a CRS is refused, never assumed 4326), its valid heights summarised, and
a copy kept under ``DATA_DIR/rasters/dem/``. Coverage analysis reprojects it on the fly into a
metric CRS; the stored file is left as it came.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError

from . import runs
from .models import IngestRun, RasterAsset
from .rasters import RasterRefused, bounds_4326, open_checked, read_masked, summarise

KIND = "dem"
# Heights outside this range are not terrain (fill values or a file in the wrong unit).
PLAUSIBLE_METRES = (-500.0, 9000.0)


class DemRefused(PlatformError):
    """A DEM file refused whole; nothing is stored."""

    code = "dem_refused"
    status = 400


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest_path(
    path: str, *, name: str | None = None, synthetic: bool | str = False, variable: str | None = None, **options
) -> IngestRun:
    """Check a DEM file, keep a copy and record it as the newest RasterAsset(kind="dem").

    ``synthetic`` may come as text from ``ingest_raster --option synthetic=true``; ``variable``
    picks the height grid of a NetCDF file.
    """
    if isinstance(synthetic, str):
        synthetic = synthetic.strip().lower() in {"1", "true", "yes"}
    file = Path(path)
    if not file.is_file():
        raise DemRefused(_("Không có tệp %(name)s") % {"name": file.name}, field="path")
    sha = _sha256(file)
    run = runs.start(options.get("source") or "DEM", KIND, file_name=file.name[:300], sha256=sha, params={})
    try:
        with open_checked(file, variable=variable) as ds:
            if ds.count < 1:
                raise DemRefused(
                    _("%(name)s: không có kênh (band) nào để đọc độ cao") % {"name": file.name}, field="path"
                )
            band = read_masked(ds)
            facts = summarise(ds, band)
            if facts["all_nodata"]:
                message = _("%(name)s: mọi ô đều là nodata; không có địa hình để dùng") % {"name": file.name}
                raise DemRefused(message, field="path")
            low, high = PLAUSIBLE_METRES
            if facts["min"] < low or facts["max"] > high:
                raise DemRefused(
                    _("%(name)s: độ cao %(low)s..%(high)s m không phải địa hình tính bằng mét")
                    % {"name": file.name, "low": f"{facts['min']:.0f}", "high": f"{facts['max']:.0f}"},
                    field="path",
                )
            meta = {
                "crs": ds.crs.to_string(),
                "width": ds.width,
                "height": ds.height,
                "bounds": bounds_4326(ds),
                "resolution": [float(ds.res[0]), float(ds.res[1])],
                "nodata": ds.nodata,
            }
        folder = Path(settings.DATA_DIR) / "rasters" / "dem"
        folder.mkdir(parents=True, exist_ok=True)
        stored = folder / f"{sha[:20]}.tif"
        if not stored.exists():
            shutil.copyfile(file, stored)
        with transaction.atomic():
            asset = RasterAsset.objects.create(
                kind=KIND,
                name=(name or file.stem)[:200],
                path=str(stored),
                stats=facts,
                synthetic=synthetic,
                run=run,
                **meta,
            )
            message = f"DEM {meta['width']}x{meta['height']}"
            # The first DEM is used at once; a later one waits for `activate_dem` (viewsheds never change silently).
            if not RasterAsset.objects.filter(kind=KIND, active=True).exists():
                asset.activate()
            else:
                message += " — " + _("chưa dùng; kích hoạt bằng: manage.py activate_dem %(id)s") % {"id": asset.pk}
            runs.finish(run, read=1, new=1, duplicate=0, rejected=[], message=message)
    except (DemRefused, RasterRefused) as exc:
        runs.fail(run, exc.message)
        raise
    except Exception as exc:
        runs.fail(run, f"{type(exc).__name__}: {exc}"[:2000])
        raise
    return run
