"""Roads with their class, river crossings with thresholds, gauges and their water-level readings."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

ROAD_CLASSES = [
    ("national", _("Quốc lộ")),
    ("provincial", _("Đường tỉnh")),
    ("district", _("Đường huyện")),
    ("commune", _("Đường xã")),
    ("village", _("Đường thôn")),
]
CROSSING_KINDS = [("spillway", _("Ngầm tràn")), ("bridge", _("Cầu")), ("ferry", _("Bến đò"))]
STATUSES = [
    ("unknown", _("Chưa có số đo")),
    ("safe", _("An toàn")),
    ("caution", _("Cần chú ý")),
    ("closed", _("Cấm qua")),
]


class Road(models.Model):
    """A road of the district network with its class (lines in EPSG:4326)."""

    name = models.CharField(_("tên"), max_length=160)
    road_class = models.CharField(_("cấp đường"), max_length=12, choices=ROAD_CLASSES, default="commune")
    length_km = models.FloatField(_("chiều dài (km)"), default=0)
    synthetic = models.BooleanField(default=False)
    geom = models.MultiLineStringField(srid=4326)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Crossing(models.Model):
    """Where a road crosses a river: a spillway (ngầm tràn), bridge or ferry, with its water thresholds."""

    name = models.CharField(_("tên"), max_length=160)
    kind = models.CharField(_("loại"), max_length=10, choices=CROSSING_KINDS, default="spillway")
    river = models.ForeignKey("places.River", null=True, blank=True, on_delete=models.SET_NULL)
    road = models.ForeignKey(Road, null=True, blank=True, on_delete=models.SET_NULL, related_name="crossings")
    # The names as words for popups and exports (foreign keys travel as ids).
    river_name = models.CharField(_("sông"), max_length=120, blank=True)
    road_name = models.CharField(_("đường"), max_length=160, blank=True)
    caution_level_m = models.FloatField(_("mức cần chú ý (m)"), null=True, blank=True)
    closed_level_m = models.FloatField(_("mức cấm qua (m)"), null=True, blank=True)
    level_m = models.FloatField(_("mực nước (m)"), null=True, blank=True)
    level_at = models.DateTimeField(_("thời điểm đo"), null=True, blank=True)
    status = models.CharField(_("tình trạng"), max_length=8, choices=STATUSES, default="unknown")
    status_since = models.DateTimeField(_("tình trạng từ"), null=True, blank=True)
    synthetic = models.BooleanField(default=False)
    geom = models.PointField(srid=4326)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(caution_level_m__isnull=True)
                | models.Q(closed_level_m__isnull=True)
                | models.Q(caution_level_m__lt=models.F("closed_level_m")),
                name="crossing_caution_below_closed",
            )
        ]

    def __str__(self):
        return self.name


class Gauge(models.Model):
    """A water-level gauge (or camera box) at a crossing; it posts readings with its own API key."""

    crossing = models.ForeignKey(Crossing, on_delete=models.CASCADE, related_name="gauges")
    name = models.CharField(_("tên"), max_length=120)
    # Only the secret's first characters and its SHA-256 are kept; the secret is shown once.
    prefix = models.CharField(max_length=12, editable=False, blank=True)
    key_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_reading_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class Reading(models.Model):
    """One water level at a gauge at one time (UTC); a second reading of the same time is a duplicate."""

    SOURCES = [("api", _("Thiết bị gửi")), ("csv", _("Tệp CSV")), ("demo", _("Mô phỏng"))]
    gauge = models.ForeignKey(Gauge, on_delete=models.CASCADE, related_name="readings")
    measured_at = models.DateTimeField(db_index=True)
    level_m = models.FloatField()
    source = models.CharField(max_length=4, choices=SOURCES, default="api")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["gauge", "measured_at"]
        constraints = [models.UniqueConstraint(fields=["gauge", "measured_at"], name="reading_once_per_time")]


class StatusChange(models.Model):
    """One change of a crossing's status, with the reading that caused it (alerts are keyed on these)."""

    crossing = models.ForeignKey(Crossing, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField()
    from_status = models.CharField(max_length=8, choices=STATUSES)
    to_status = models.CharField(max_length=8, choices=STATUSES)
    level_m = models.FloatField(null=True)

    class Meta:
        ordering = ["crossing", "at", "pk"]


class FloodExposure(models.Model):
    """Who and what one flood observation touches: the figures per district, commune, village and crossing.

    Kept per observation (the event's timeline of exposure); the alerts compare an observation's villages
    with the previous observation of the same event.
    """

    observation = models.OneToOneField("flood.FloodObservation", on_delete=models.CASCADE, related_name="exposure")
    event = models.ForeignKey("flood.FloodEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    observed_at = models.DateTimeField(db_index=True)
    computed_at = models.DateTimeField(auto_now=True)
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["observed_at", "pk"]


ACCESS = [
    ("reachable", _("Đi được từ thị trấn")),
    ("cut_off", _("Bị chia cắt")),
    ("no_road", _("Không có đường bộ")),
]


class VillageAccess(models.Model):
    """Whether each village can be reached by road from the district town now (kept by crossings.access).

    A map layer of its own: the closed crossings and the newest flood water decide it, so it is kept
    when a crossing closes or reopens, when a flood observation lands, and every few minutes.
    """

    village = models.OneToOneField(
        "places.Village", primary_key=True, on_delete=models.CASCADE, related_name="road_access"
    )
    name = models.CharField(_("thôn"), max_length=160)
    commune_name = models.CharField(_("xã"), max_length=160, blank=True)
    population = models.PositiveIntegerField(_("dân số"), default=0)
    status = models.CharField(_("đường đến thôn"), max_length=10, choices=ACCESS, default="reachable")
    since = models.DateTimeField(_("từ lúc"))
    checked_at = models.DateTimeField(_("kiểm tra lúc"))
    geom = models.PointField(srid=4326)

    class Meta:
        ordering = ["commune_name", "name"]

    def __str__(self):
        return f"{self.name}: {self.status}"
