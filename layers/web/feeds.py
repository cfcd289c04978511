"""The ingestion feeds an operator watches: one row per feed with its newest run, layer imports one row per layer.

A feed is a (kind, source) pair of IngestRun: a FIRMS product, a raster kind, the imports into one
layer ("vector-import" runs have source "import:<layer slug>"). Satellite feeds come first because
a stale or failing fire feed is what the operations centre must notice; layer imports come last.
"""

from urllib.parse import urlencode

from django.db.models import Count, Max, Q
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from ingest.models import IngestRun
from layers.registry import registry

IMPORT_KIND = "vector-import"
IMPORT_PREFIX = "import:"
REASON_CHARS = 300


class Kind:
    """How a kind of run is shown: its rank on the dashboard, its name, and the layer it fills."""

    def __init__(self, rank: int, label, layer: str | None = None, **map_params):
        self.rank, self.label, self.layer, self.map_params = rank, label, layer, map_params


KINDS = {
    "firms": Kind(0, gettext_lazy("Điểm cháy vệ tinh (FIRMS)"), "fire-hotspots", time="7d"),
    "fire-mask": Kind(1, gettext_lazy("Ảnh cháy MODIS"), "fire-hotspots", time="7d"),
    "burned-area": Kind(1, gettext_lazy("Ảnh vùng đã cháy"), "burned-areas"),
    "flood": Kind(1, gettext_lazy("Ảnh vùng ngập"), "flood-extents"),
    "dem": Kind(2, gettext_lazy("Mô hình độ cao (DEM)")),
    "signal": Kind(3, gettext_lazy("Đo sóng di động"), "signal-measurements"),
    "towers": Kind(3, gettext_lazy("Trạm phát sóng"), "cell-towers"),
    IMPORT_KIND: Kind(4, gettext_lazy("Nhập lớp bản đồ")),
    "demo": Kind(5, gettext_lazy("Dữ liệu mẫu")),
}
OTHER = Kind(5, "")

STATUS_LABELS = {
    "pending": gettext_lazy("Chờ"),
    "running": gettext_lazy("Đang chạy"),
    "succeeded": gettext_lazy("Thành công"),
    "failed": gettext_lazy("Thất bại"),
}


# Source codes the platform itself writes, and the parts of FIRMS product names, as words.
SOURCE_WORDS = {
    "drive_test": gettext_lazy("đo sóng trên đường"),
    "load_demo": gettext_lazy("dữ liệu mẫu"),
    "crowd": gettext_lazy("người dân báo"),
}
FIRMS_PLATFORMS = {"SNPP": "Suomi NPP", "NOAA20": "NOAA-20", "NOAA21": "NOAA-21"}
FIRMS_MODES = {"NRT": gettext_lazy("gần thời gian thực"), "SP": gettext_lazy("sản phẩm chuẩn")}


def source_label(source: str) -> str:
    """A run's source in words: "VIIRS_SNPP_NRT" is "VIIRS Suomi NPP · gần thời gian thực"; others as given."""
    if source in SOURCE_WORDS:
        return str(SOURCE_WORDS[source])
    parts = source.split("_")
    if len(parts) in (2, 3) and parts[0] in {"VIIRS", "MODIS", "LANDSAT"} and parts[-1] in FIRMS_MODES:
        platform = FIRMS_PLATFORMS.get(parts[1], parts[1]) if len(parts) == 3 else ""
        return " ".join(filter(None, [parts[0], platform])) + " · " + str(FIRMS_MODES[parts[-1]])
    return source


def status_labels() -> dict:
    """Each run status as a word in the active language."""
    return {code: str(label) for code, label in STATUS_LABELS.items()}


def _layer_title(slug: str) -> str:
    layer = registry.get(slug)
    if layer is None:
        return slug
    return layer.title_en if (get_language() or "vi").startswith("en") else layer.title_vi


def _grouped(n: int) -> str:
    """1.500 in Vietnamese, 1,500 in English (Django's vi formats set no grouping of their own)."""
    return numberformat.format(
        n,
        get_format("DECIMAL_SEPARATOR"),
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def _reason(run: IngestRun) -> str:
    """Why a run failed, or which rows it left out; empty when there is nothing to explain."""
    if run.status == "failed":
        # A long technical message would push the table apart: its start says what went wrong.
        message = run.message.strip()
        return (message[:REASON_CHARS] + "…" if len(message) > REASON_CHARS else message) or _("không rõ lý do")
    if run.rows_rejected:
        first = run.rejected[0] if run.rejected else {}
        count = ngettext("%(count)s dòng bị loại", "%(count)s dòng bị loại", run.rows_rejected)
        said = count % {"count": _grouped(run.rows_rejected)}
        if first.get("reason"):
            said += _(", ví dụ dòng %(row)s: %(reason)s") % {"row": first.get("row", "?"), "reason": first["reason"]}
        return said
    return ""


def _link(kind: Kind, layer: str | None) -> str | None:
    """The map showing the layer the feed fills (None when it fills no layer of the catalogue)."""
    if layer is None or registry.get(layer) is None:
        return None
    return "/map/?" + urlencode({"layers": layer, **kind.map_params})


def _row(run: IngestRun, stats: dict) -> dict:
    kind = KINDS.get(run.kind, OTHER)
    layer = kind.layer
    label = str(kind.label) or run.kind
    # The default source repeats the kind ("FIRMS", "DEM", "fire-mask"): said once.
    source = "" if run.source == run.kind or run.source.lower() in label.lower() else source_label(run.source)
    if run.kind == IMPORT_KIND and run.source.startswith(IMPORT_PREFIX):
        layer = run.source[len(IMPORT_PREFIX) :]
        source = _layer_title(layer)
    last_ok = stats.get("last_ok")
    return {
        "id": run.pk,
        "kind": run.kind,
        "kind_label": label,
        "source": source,
        "status": run.status,
        "status_label": str(STATUS_LABELS.get(run.status, run.status)),
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "rows_new": run.rows_new,
        "rows_rejected": run.rows_rejected,
        "reason": _reason(run),
        "runs": stats.get("runs", 1),
        "last_succeeded_at": last_ok.isoformat() if last_ok else None,
        "link": _link(kind, layer),
    }


def summary(limit: int = 12) -> list[dict]:
    """The feeds, satellite fire feeds and rasters first (failing ones first within), each with its newest run."""
    # A dry run is an editor's preview of an import: nothing landed, so it is no run of the feed.
    runs = IngestRun.objects.exclude(params__contains={"dry_run": True})
    newest = runs.order_by("kind", "source", "-started_at", "-pk").distinct("kind", "source")
    stats = {
        (s["kind"], s["source"]): s
        for s in runs.order_by()
        .values("kind", "source")
        .annotate(runs=Count("pk"), last_ok=Max("finished_at", filter=Q(status="succeeded")))
    }
    rows = [_row(run, stats.get((run.kind, run.source), {})) for run in newest]
    rows.sort(key=lambda r: r["started_at"], reverse=True)
    # Fire feeds and rasters first; inside each rank a failing feed before the working ones.
    rows.sort(key=lambda r: (KINDS.get(r["kind"], OTHER).rank, r["status"] != "failed"))
    return rows[:limit]
