"""Admin of the telecom models (coverage runs are read-mostly records)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from . import labels
from .models import CalibrationResult, CandidateSite, CellTower, CoverageRun, SitePlan, VillageCoverage


@admin.register(CellTower)
class CellTowerAdmin(admin.ModelAdmin):
    """Towers with their radio parameters."""

    list_display = ("name", "operator", "technology", "antenna_height_m", "azimuth_deg", "band_mhz", "source")
    list_filter = ("operator", "technology", "source", "approximate", "status")


@admin.register(CoverageRun)
class CoverageRunAdmin(admin.ModelAdmin):
    """Coverage runs with their status and progress."""

    list_display = ("pk", "status", "kind", "created_at", "finished_at")
    list_filter = ("status", "what_if")
    readonly_fields = ("parameters", "progress", "summary", "outputs")

    @admin.display(description=gettext_lazy("Loại"))
    def kind(self, run):
        """Real or what-if (planned sites count as what-if even on runs stored unflagged)."""
        return labels.run_kind(run)


@admin.register(VillageCoverage)
class VillageCoverageAdmin(admin.ModelAdmin):
    """Village status per run, operator and technology."""

    list_display = ("run", "village", "operator", "technology", "status", "best_dbm", "reason_code")
    list_filter = ("operator", "technology", "status", "reason_code")


admin.site.register(CalibrationResult)
admin.site.register(SitePlan)
admin.site.register(CandidateSite)
