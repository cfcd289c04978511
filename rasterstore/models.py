"""Raster assets: files kept on disk with product, time, footprint, encoding and source hash."""

from django.contrib.gis.db import models
from django.db import transaction
from django.db.models import Q


class RasterAsset(models.Model):
    """A raster file kept on disk (DEM, flood product, fire mask, discharge grid) with what is known of it."""

    KIND_CHOICES = [
        ("dem", "DEM"),
        ("flood", "Flood mask"),
        ("flood-gfm", "Copernicus GFM flood"),
        ("flood-nrt", "MODIS/VIIRS NRT flood"),
        ("discharge", "River discharge"),
        ("fire-mask", "Fire mask"),
        ("burned-area", "Burned area"),
    ]
    kind = models.CharField(max_length=20, choices=KIND_CHOICES, db_index=True)
    name = models.CharField(max_length=200)
    path = models.CharField(max_length=500)
    crs = models.TextField(help_text="WKT or EPSG code of the file's CRS")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bounds = models.JSONField(help_text="[west, south, east, north] in EPSG:4326")
    resolution = models.JSONField(help_text="[x, y] pixel size in the file's CRS units")
    nodata = models.FloatField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    synthetic = models.BooleanField(default=False)
    # A string reference, not an import: the catalogue must not import ingest.
    run = models.ForeignKey("ingest.IngestRun", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    product = models.CharField(max_length=40, blank=True, help_text="gfm, nrt, s1, glofas, srtm…")
    observed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    footprint = models.PolygonField(srid=4326, null=True, blank=True)
    encoding = models.JSONField(default=dict, blank=True, help_text="what each pixel value means")
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # The DEM every viewshed and the base map use: set by an explicit activation, never by a newer upload.
    active = models.BooleanField(default=False)

    class Meta:
        db_table = "ingest_rasterasset"  # the table predates the app; kept so that data survive the move
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["sha256"], condition=~Q(sha256=""), name="rasterasset_one_per_file"),
            models.UniqueConstraint(fields=["kind"], condition=Q(active=True), name="rasterasset_one_active_per_kind"),
        ]

    def __str__(self):
        return f"{self.kind}:{self.name}"

    @classmethod
    def active_dem(cls) -> "RasterAsset | None":
        """The DEM in use: the activated one; before any activation (older data), the newest."""
        dems = cls.objects.filter(kind="dem")
        return dems.filter(active=True).first() or dems.order_by("-created_at", "-pk").first()

    def activate(self) -> None:
        """Make this the one active raster of its kind; the previous one is kept, inactive, to go back to."""
        with transaction.atomic():
            # Lock the kind's rows so two activations at once end with exactly one active.
            list(RasterAsset.objects.select_for_update().filter(kind=self.kind).values_list("pk", flat=True))
            RasterAsset.objects.filter(kind=self.kind, active=True).exclude(pk=self.pk).update(active=False)
            RasterAsset.objects.filter(pk=self.pk).update(active=True)
        self.active = True
