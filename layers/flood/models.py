"""Flood extents derived from satellite water masks."""

from django.contrib.gis.db import models


class FloodExtent(models.Model):
    """The flooded area of one event as observed by one product."""

    event = models.CharField(max_length=120)
    source_product = models.CharField(max_length=120)
    observed_at = models.DateTimeField(db_index=True)
    area_km2 = models.FloatField(default=0)
    geom = models.MultiPolygonField(srid=4326)

    def __str__(self):
        return f"{self.event} {self.observed_at:%Y-%m-%d}"
