"""Telecom entities: cell towers, coverage gaps, Wi-Fi points and signal measurements."""

from django.contrib.gis.db import models

OPERATORS = [("viettel", "Viettel"), ("vnpt", "VNPT"), ("mobifone", "MobiFone")]
TECHNOLOGIES = [("2G", "2G"), ("3G", "3G"), ("4G", "4G")]


class CellTower(models.Model):
    """A base station sector (one operator and technology) with its radio parameters."""

    STATUS_CHOICES = [("active", "Hoạt động"), ("planned", "Quy hoạch"), ("inactive", "Ngừng")]
    SOURCE_CHOICES = [("layer", "Layer"), ("carrier", "Carrier list"), ("opencellid", "OpenCelliD")]
    name = models.CharField(max_length=120, blank=True)
    operator = models.CharField(max_length=20, choices=OPERATORS)
    technology = models.CharField(max_length=2, choices=TECHNOLOGIES)
    antenna_height_m = models.FloatField(default=30.0)
    azimuth_deg = models.FloatField(null=True, blank=True, help_text="Null for an omnidirectional antenna.")
    beamwidth_deg = models.FloatField(default=360.0)
    band_mhz = models.FloatField(default=1800.0)
    power_dbm = models.FloatField(default=43.0, help_text="Transmitter power at the antenna port.")
    gain_dbi = models.FloatField(default=15.0)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default="active")
    source = models.CharField(max_length=12, choices=SOURCE_CHOICES, default="layer")
    approximate = models.BooleanField(default=False, help_text="Averaged position (OpenCelliD), not surveyed.")
    cell_id = models.CharField(max_length=60, blank=True)
    geom = models.PointField(srid=4326)

    class Meta:
        indexes = [models.Index(fields=["operator", "technology"])]

    def __str__(self):
        return self.name or f"{self.operator} {self.technology} #{self.pk}"


class CoverageGap(models.Model):
    """An inhabited area with no or weak signal for one operator and technology."""

    SEVERITY_CHOICES = [("none", "Không có sóng"), ("weak", "Sóng yếu")]
    run = models.ForeignKey(
        "telecom.CoverageRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="gaps"
    )
    operator = models.CharField(max_length=20, choices=OPERATORS)
    technology = models.CharField(max_length=2, choices=TECHNOLOGIES)
    severity = models.CharField(max_length=4, choices=SEVERITY_CHOICES)
    method = models.CharField(max_length=60, default="model")
    computed_at = models.DateTimeField()
    population = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True)
    geom = models.MultiPolygonField(srid=4326)

    class Meta:
        indexes = [models.Index(fields=["operator", "technology", "severity"])]


class WifiPoint(models.Model):
    """A public Wi-Fi access point, usually at a village cultural house."""

    SITE_CHOICES = [
        ("cultural_house", "Nhà văn hoá thôn"),
        ("commune_office", "UBND xã"),
        ("school", "Trường học"),
        ("other", "Khác"),
    ]
    STATUS_CHOICES = [("active", "Hoạt động"), ("planned", "Quy hoạch"), ("inactive", "Ngừng")]
    name = models.CharField(max_length=120)
    site_kind = models.CharField(max_length=20, choices=SITE_CHOICES, default="cultural_house")
    provider = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default="active")
    range_m = models.FloatField(default=100.0)
    village = models.ForeignKey("places.Village", null=True, blank=True, on_delete=models.SET_NULL)
    geom = models.PointField(srid=4326)

    def __str__(self):
        return self.name


class SignalMeasurement(models.Model):
    """A measured signal level (drive test, crowd-sourced, or a "no signal" citizen report)."""

    SOURCE_CHOICES = [("drive_test", "Đo kiểm"), ("crowd", "Cộng đồng"), ("complaint", "Phản ánh")]
    operator = models.CharField(max_length=20, choices=OPERATORS)
    technology = models.CharField(max_length=2, choices=TECHNOLOGIES)
    dbm = models.FloatField(null=True, blank=True, help_text="Null for a report of no signal at all.")
    measured_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=12, choices=SOURCE_CHOICES, default="drive_test")
    device = models.CharField(max_length=80, blank=True)
    geom = models.PointField(srid=4326)


RUN_STATUS = [("pending", "Chờ"), ("running", "Đang chạy"), ("succeeded", "Thành công"), ("failed", "Thất bại")]
COVERAGE_STATUS = [("covered", "Có sóng"), ("weak", "Sóng yếu"), ("none", "Không có sóng")]


class CoverageRun(models.Model):
    """One coverage computation: its parameters, progress per tower, outputs and summary."""

    parameters = models.JSONField(default=dict, help_text="Every model parameter used, defaults filled in.")
    status = models.CharField(max_length=10, choices=RUN_STATUS, default="pending", db_index=True)
    progress = models.JSONField(default=dict, blank=True, help_text="{done, total, tower} while running")
    message = models.TextField(blank=True)
    what_if = models.BooleanField(
        default=False, help_text="Hypothetical run (planned sites); leaves the gap layer alone."
    )
    dem = models.ForeignKey("rasterstore.RasterAsset", null=True, blank=True, on_delete=models.SET_NULL)
    outputs = models.JSONField(default=dict, blank=True, help_text="Raster files per operator/technology.")
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"coverage run {self.pk} ({self.status})"


class VillageCoverage(models.Model):
    """A village's status for one operator and technology in one run, with the reason."""

    REASON_CHOICES = [
        ("in_range", "Trong vùng phủ"),
        ("terrain_shadow", "Bị địa hình che khuất"),
        ("beyond_range", "Ngoài bán kính phủ sóng"),
        ("weak_signal", "Tín hiệu suy hao"),
        ("no_tower", "Không có trạm"),
    ]
    run = models.ForeignKey(CoverageRun, on_delete=models.CASCADE, related_name="villages")
    village = models.ForeignKey("places.Village", on_delete=models.CASCADE)
    operator = models.CharField(max_length=20, choices=OPERATORS)
    technology = models.CharField(max_length=2, choices=TECHNOLOGIES)
    status = models.CharField(max_length=8, choices=COVERAGE_STATUS)
    best_dbm = models.FloatField(null=True, blank=True)
    serving_tower = models.ForeignKey(CellTower, null=True, blank=True, on_delete=models.SET_NULL)
    serving_label = models.CharField(max_length=120, blank=True, help_text="Tower name, or a planned site's.")
    line_of_sight = models.BooleanField(default=False)
    reason_code = models.CharField(max_length=16, choices=REASON_CHOICES, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    ridge = models.PointField(srid=4326, null=True, blank=True, help_text="The ridge that shadows the village.")
    ridge_elevation_m = models.FloatField(null=True, blank=True)
    geom = models.PointField(srid=4326, help_text="The village point (copied so the layer can be mapped).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "village", "operator", "technology"], name="village_coverage_unique")
        ]
        indexes = [models.Index(fields=["run", "operator", "technology", "status"])]


class CalibrationResult(models.Model):
    """Model error against measurements for one operator/technology of a run, and the fitted offset."""

    run = models.ForeignKey(CoverageRun, on_delete=models.CASCADE, related_name="calibrations")
    operator = models.CharField(max_length=20, choices=OPERATORS)
    technology = models.CharField(max_length=2, choices=TECHNOLOGIES)
    measurements = models.PositiveIntegerField(default=0, help_text="Points with a dBm value.")
    reports = models.PositiveIntegerField(default=0, help_text="No-signal reports (no dBm) used for the hit rate.")
    mean_error_db = models.FloatField(null=True, blank=True, help_text="Mean of predicted - measured.")
    rmse_db = models.FloatField(null=True, blank=True)
    hit_rate = models.FloatField(null=True, blank=True, help_text="Share of points whose covered/none class agrees.")
    offset_db = models.FloatField(null=True, blank=True, help_text="Fitted correction: mean of measured - predicted.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "operator", "technology"], name="calibration_unique")]


class SitePlan(models.Model):
    """A planning answer: k new sites chosen for one operator/technology over a base run."""

    base_run = models.ForeignKey(CoverageRun, on_delete=models.CASCADE, related_name="plans")
    what_if_run = models.ForeignKey(
        CoverageRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="what_if_of"
    )
    parameters = models.JSONField(default=dict)
    k = models.PositiveIntegerField()
    population_added = models.PositiveIntegerField(default=0)
    upper_bound = models.PositiveIntegerField(default=0, help_text="No choice of k candidates can add more people.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class CandidateSite(models.Model):
    """A candidate site of a plan (hilltop, listed or grid point); rank is set when chosen."""

    SOURCE_CHOICES = [("hilltop", "Đỉnh đồi"), ("list", "Danh sách"), ("grid", "Lưới")]
    plan = models.ForeignKey(SitePlan, on_delete=models.CASCADE, related_name="candidates")
    source = models.CharField(max_length=8, choices=SOURCE_CHOICES)
    name = models.CharField(max_length=120, blank=True)
    elevation_m = models.FloatField(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    population_added = models.PositiveIntegerField(default=0)
    villages_added = models.JSONField(default=list, blank=True, help_text="[{id, name, population}] in order")
    geom = models.PointField(srid=4326)

    class Meta:
        ordering = ["plan", "rank"]
