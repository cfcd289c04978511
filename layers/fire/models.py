"""Forest fire: satellite hotspots, fire events with their alert workflow, burned areas, alert rules."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CONFIDENCE_CHOICES = [("low", _("Thấp")), ("nominal", _("Trung bình")), ("high", _("Cao"))]
CONFIDENCE_RANK = {"low": 1, "nominal": 2, "high": 3}


class Hotspot(models.Model):
    """One satellite fire detection (FIRMS row or fire-mask pixel), stored once per detection.

    The detection key (satellite, time, position to 1e-4 degree) makes overlapping downloads land
    once; a standard-processing (SP) row replaces the near-real-time (NRT) row of the same key.
    """

    PROCESSING_CHOICES = [("NRT", "Near real time"), ("SP", "Standard"), ("RASTER", "Fire-mask raster")]
    # Higher rank wins when the same detection arrives again.
    PROCESSING_RANK = {"NRT": 1, "RASTER": 1, "SP": 2}

    source = models.CharField(max_length=40, help_text="e.g. VIIRS_SNPP_NRT, MODIS_NRT, MOD14")
    satellite = models.CharField(max_length=20)
    instrument = models.CharField(max_length=10)
    acquired_at = models.DateTimeField(db_index=True)
    confidence = models.CharField(max_length=8, choices=CONFIDENCE_CHOICES)
    confidence_raw = models.CharField(max_length=10, blank=True)
    frp = models.FloatField(null=True, blank=True)
    brightness = models.FloatField(null=True, blank=True)
    brightness_2 = models.FloatField(null=True, blank=True, help_text="bright_ti5 (VIIRS) or bright_t31 (MODIS)")
    scan = models.FloatField(null=True, blank=True)
    track = models.FloatField(null=True, blank=True)
    version = models.CharField(max_length=20, blank=True)
    daynight = models.CharField(max_length=1, blank=True)
    fire_type = models.SmallIntegerField(null=True, blank=True)
    processing = models.CharField(max_length=6, choices=PROCESSING_CHOICES, default="NRT")
    processing_rank = models.SmallIntegerField(default=1)
    lat_key = models.IntegerField(default=0, help_text="latitude x 1e4, part of the detection key")
    lon_key = models.IntegerField(default=0, help_text="longitude x 1e4, part of the detection key")
    # No index on run: bulk loads insert 10^5 rows with one run, and a b-tree over that many equal keys
    # costs more than the other indexes together (see bench/firms_ingest.py). No database constraint
    # either: a deferred foreign key checks each of those rows at commit (a sixth of a first load);
    # the loaders check and lock the one run row instead, and deleting a run sets run to NULL (ORM).
    run = models.ForeignKey(
        "ingest.IngestRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)
    geom = models.PointField(srid=4326)
    # The same point in web Mercator, kept by PostgreSQL (GENERATED ALWAYS ... STORED): vector tiles
    # draw from it instead of transforming every hotspot on every request. Never written by Django
    # or the loaders. No index of its own: tiles pick rows with the 4326 index (measured as fast),
    # and a second GiST index cost a bulk insert about 40% (the stored column alone about 15%).
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.PointField(srid=3857),
        db_persist=True,
    )

    class Meta:
        indexes = [models.Index(fields=["source", "acquired_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["satellite", "acquired_at", "lat_key", "lon_key"], name="fire_hotspot_detection_key"
            )
        ]

    def __str__(self):
        return f"{self.source} {self.acquired_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        """Derive the detection key from the point (bulk loads compute it in SQL the same way)."""
        if self.geom is not None:
            self.lat_key = round(self.geom.y * 10_000)
            self.lon_key = round(self.geom.x * 10_000)
        self.processing_rank = self.PROCESSING_RANK.get(self.processing, 1)
        super().save(*args, **kwargs)


class FireEvent(models.Model):
    """Hotspots clustered in space and time: one fire, with its lifecycle and its alert workflow."""

    STATUS_CHOICES = [("new", _("Mới")), ("active", _("Đang cháy")), ("out", _("Đã tắt"))]
    # The alert states in words; a context of their own, since other apps use "Đã tiếp nhận" for other things.
    ALERT_CHOICES = [
        ("none", pgettext_lazy("fire alert state", "Không cảnh báo")),
        ("new", pgettext_lazy("fire alert state", "Cảnh báo mới")),
        ("acknowledged", pgettext_lazy("fire alert state", "Đã tiếp nhận")),
        ("dispatched", pgettext_lazy("fire alert state", "Đã điều động")),
        ("verified", pgettext_lazy("fire alert state", "Đã xác minh")),
        ("closed", pgettext_lazy("fire alert state", "Đã đóng")),
    ]
    # The alert states a dashboard counts as open.
    OPEN_ALERT_STATES = ("new", "acknowledged", "dispatched")
    VERDICT_CHOICES = [("", "-"), ("true_fire", _("Cháy thật")), ("false_alarm", _("Báo động giả"))]

    status = models.CharField(max_length=8, choices=STATUS_CHOICES, default="new", db_index=True)
    alert_state = models.CharField(max_length=14, choices=ALERT_CHOICES, default="none", db_index=True)
    hotspot_count = models.PositiveIntegerField(default=0)
    overpass_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(db_index=True)
    last_seen = models.DateTimeField(db_index=True)
    max_frp = models.FloatField(null=True, blank=True)
    max_confidence = models.CharField(max_length=8, choices=CONFIDENCE_CHOICES, blank=True)
    in_forest = models.BooleanField(default=False)
    commune = models.ForeignKey("places.Commune", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    nearest_village = models.ForeignKey(
        "places.Village", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    village_distance_m = models.FloatField(null=True, blank=True)
    centroid = models.PointField(srid=4326, null=True, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Alert and workflow (who and when of each step is in EventAction; the latest times are here).
    alert_rule = models.ForeignKey("AlertRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    alerted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    verdict = models.CharField(max_length=12, choices=VERDICT_CHOICES, blank=True)
    cause = models.CharField(max_length=200, blank=True)
    burned_area_ha = models.FloatField(null=True, blank=True)
    verification_note = models.TextField(blank=True)
    photo = models.ImageField(upload_to="fire/photos/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    geom = models.PolygonField(srid=4326, help_text="footprint: hull of the hotspots buffered by the pixel size")

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self):
        return f"fire event {self.pk} ({self.status}, {self.hotspot_count} hotspots)"


class HotspotLink(models.Model):
    """The event a hotspot belongs to.

    A narrow table of its own: assigning 10^5 hotspots to events writes small rows with two indexes
    instead of rewriting wide hotspot rows and their six indexes (GiST included).
    """

    hotspot = models.OneToOneField(Hotspot, primary_key=True, on_delete=models.CASCADE, related_name="link")
    event = models.ForeignKey(FireEvent, on_delete=models.CASCADE, related_name="links")

    def __str__(self):
        return f"hotspot {self.hotspot_id} -> event {self.event_id}"


class EventAction(models.Model):
    """One step of the ranger workflow on an event: who moved it to which state, and when."""

    event = models.ForeignKey(FireEvent, on_delete=models.CASCADE, related_name="actions")
    from_state = models.CharField(max_length=14)
    to_state = models.CharField(max_length=14)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.event_id}: {self.from_state} -> {self.to_state}"


class BurnedArea(models.Model):
    """Burned-area polygons from a burned-area raster (MCD64A1 Burn Date), one per burn date."""

    source = models.CharField(max_length=40, default="MCD64A1")
    burn_date = models.DateField(db_index=True)
    area_ha = models.FloatField()
    pixel_count = models.PositiveIntegerField()
    run = models.ForeignKey("ingest.IngestRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    geom = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["-burn_date"]
        constraints = [models.UniqueConstraint(fields=["source", "burn_date", "run"], name="burned_area_once_per_run")]

    def __str__(self):
        return f"{self.source} {self.burn_date}"


class AlertRule(models.Model):
    """When an event deserves an alert (edited by administrators)."""

    name = models.CharField(max_length=120, unique=True)
    active = models.BooleanField(default=True)
    min_confidence = models.CharField(max_length=8, choices=CONFIDENCE_CHOICES, default="nominal")
    min_hotspots = models.PositiveIntegerField(default=1)
    in_forest = models.BooleanField(default=True, help_text="Alert when the event is in forest")
    max_village_distance_km = models.FloatField(
        null=True, blank=True, help_text="Alert also when the event is within this distance of a village"
    )
    excluded_fire_types = models.CharField(
        max_length=20, default="1,2", blank=True, help_text="FIRMS type values to ignore (1 volcano, 2 static land)"
    )
    exclude_static_sources = models.BooleanField(default=True)

    def __str__(self):
        return self.name

    def excluded_types(self) -> list[int]:
        """The FIRMS type codes this rule ignores."""
        return [int(v) for v in self.excluded_fire_types.replace(" ", "").split(",") if v.strip().lstrip("-").isdigit()]


class StaticHeatSource(models.Model):
    """A known non-fire heat source (factory, kiln, flare) whose hotspots never raise an alert."""

    name = models.CharField(max_length=120)
    radius_m = models.FloatField(default=500)
    geom = models.PointField(srid=4326)

    def __str__(self):
        return self.name


class RangerAssignment(models.Model):
    """A ranger responsible for a commune, with how they want to be told of fires there."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fire_assignments")
    commune = models.ForeignKey("places.Commune", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(blank=True, help_text="Defaults to the user's e-mail")
    webhook_url = models.URLField(blank=True)
    webhook_secret = models.CharField(max_length=200, blank=True)
    digest = models.BooleanField(default=False, help_text="One message per alert pass instead of one per event")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "commune"], name="ranger_once_per_commune")]

    def __str__(self):
        return f"{self.user} @ {self.commune}"


class Notification(models.Model):
    """The outbox: one message to send, written in the same transaction as the alert it tells of."""

    CHANNEL_CHOICES = [("email", "E-mail"), ("webhook", "Webhook")]
    STATUS_CHOICES = [
        ("pending", _("Chờ gửi")),
        ("sending", _("Đang gửi")),
        ("sent", _("Đã gửi")),
        ("failed", _("Lỗi, thử lại")),
        ("dead", _("Gửi không được, chờ gửi lại")),
    ]
    channel = models.CharField(max_length=8, choices=CHANNEL_CHOICES)
    recipient = models.CharField(max_length=500)
    assignment = models.ForeignKey(RangerAssignment, null=True, blank=True, on_delete=models.SET_NULL)
    event_ids = models.JSONField(default=list)
    digest = models.BooleanField(default=False)
    subject = models.CharField(max_length=300)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=STATUS_CHOICES, default="pending", db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # When a failed row is due again (backoff), and when a worker claimed it (a lease, for dead workers).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.channel} to {self.recipient} ({self.status})"
