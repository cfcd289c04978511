"""Flood observations from satellite products, events grouping them, and river discharge series."""

from django.contrib.gis.db import models


class FloodExtent(models.Model):
    """The flooded area of one event as observed by one product (the first, single-layer form; kept for its rows)."""

    event = models.CharField(max_length=120)
    source_product = models.CharField(max_length=120)
    observed_at = models.DateTimeField(db_index=True)
    area_km2 = models.FloatField(default=0)
    geom = models.MultiPolygonField(srid=4326)

    def __str__(self):
        return f"{self.event} {self.observed_at:%Y-%m-%d}"


class FloodEvent(models.Model):
    """Observations of the same area within a time window: one flood, its maximum extent and timeline."""

    name = models.CharField(max_length=160)
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(db_index=True)
    max_extent = models.MultiPolygonField(srid=4326, null=True, blank=True)
    max_unknown = models.MultiPolygonField(srid=4326, null=True, blank=True)
    max_flooded_area_m2 = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return self.name

    def timeline(self):
        """The event's observations in time order."""
        return self.observations.order_by("observed_at", "pk")


class FloodObservation(models.Model):
    """One flood product over the district at one time: flood water, unknown area and a state raster."""

    PRODUCTS = [
        ("gfm", "Copernicus GFM"),
        ("nrt", "MODIS/VIIRS NRT"),
        ("s1", "Sentinel-1 water mask"),
    ]
    product = models.CharField(max_length=10, choices=PRODUCTS, db_index=True)
    observed_at = models.DateTimeField(db_index=True)
    asset = models.ForeignKey("rasterstore.RasterAsset", on_delete=models.PROTECT, related_name="flood_observations")
    event = models.ForeignKey(FloodEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="observations")
    # Flood water only: permanent/reference water is not flood.
    flooded = models.MultiPolygonField(srid=4326)
    # No data, excluded or insufficient: neither wet nor dry.
    unknown = models.MultiPolygonField(srid=4326)
    flooded_area_m2 = models.FloatField(default=0)
    unknown_area_m2 = models.FloatField(default=0)
    # Absolute path of a derived uint8 GeoTIFF in the asset's grid: 0 dry, 1 flood, 2 permanent water, 255 unknown.
    state_raster = models.CharField(max_length=500)
    # GFM only: likelihood 0–100 as a uint8 GeoTIFF (255 no data), for the likelihood tiles.
    likelihood_raster = models.CharField(max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True, help_text="threshold, sieve, simplify used")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-observed_at"]
        constraints = [models.UniqueConstraint(fields=["asset"], name="flood_one_observation_per_asset")]

    def __str__(self):
        return f"{self.get_product_display()} {self.observed_at:%Y-%m-%d %H:%M}"

    @property
    def state_raster_path(self) -> str:
        """Absolute path of the state raster (0 dry, 1 flood, 2 permanent water, 255 unknown)."""
        return self.state_raster


class DischargeSeries(models.Model):
    """A river point of a discharge forecast (GloFAS-style) with its return-period thresholds."""

    name = models.CharField(max_length=160)
    river = models.CharField(max_length=120, blank=True)
    geom = models.PointField(srid=4326)
    # {"2": 850.0, "5": 1400.0, "20": 2300.0}: return period in years → discharge m³/s.
    thresholds = models.JSONField(default=dict, blank=True)
    asset = models.ForeignKey("rasterstore.RasterAsset", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class DischargeValue(models.Model):
    """One discharge value of a series at one time (m³/s)."""

    series = models.ForeignKey(DischargeSeries, on_delete=models.CASCADE, related_name="values")
    time = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        ordering = ["series", "time"]
        constraints = [models.UniqueConstraint(fields=["series", "time"], name="discharge_one_value_per_time")]
