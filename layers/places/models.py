"""Administrative places of the district: the district, its communes, villages, rivers and forest."""

from django.contrib.gis.db import models


class District(models.Model):
    """The district boundary."""

    name = models.CharField(max_length=120, unique=True)
    name_en = models.CharField(max_length=120, blank=True)
    synthetic = models.BooleanField(default=False, help_text="Generated demo data, not survey data.")
    geom = models.MultiPolygonField(srid=4326)

    def __str__(self):
        return self.name


class Commune(models.Model):
    """A commune-level unit (xã or thị trấn)."""

    KIND_CHOICES = [("commune", "Xã"), ("town", "Thị trấn")]
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="communes")
    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=10, choices=KIND_CHOICES, default="commune")
    population = models.PositiveIntegerField(default=0)
    geom = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Village(models.Model):
    """A village or town neighbourhood (thôn, tổ dân phố) at its centre point."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="villages")
    name = models.CharField(max_length=120)
    households = models.PositiveIntegerField(default=0)
    population = models.PositiveIntegerField(default=0)
    has_cultural_house = models.BooleanField(default=True)
    elevation_m = models.FloatField(null=True, blank=True)
    geom = models.PointField(srid=4326)

    class Meta:
        ordering = ["commune__name", "name"]
        constraints = [models.UniqueConstraint(fields=["commune", "name"], name="village_unique_in_commune")]

    def __str__(self):
        return f"{self.name} ({self.commune.name})"


class River(models.Model):
    """A river (Sông Trường, Sông Tranh) as a line."""

    name = models.CharField(max_length=120, unique=True)
    geom = models.MultiLineStringField(srid=4326)

    def __str__(self):
        return self.name


class ForestArea(models.Model):
    """Forest cover polygon (used to tell whether a fire is in forest)."""

    KIND_CHOICES = [("natural", "Rừng tự nhiên"), ("plantation", "Rừng trồng"), ("protection", "Rừng phòng hộ")]
    name = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES, default="natural")
    geom = models.MultiPolygonField(srid=4326)

    def __str__(self):
        return self.name or f"forest {self.pk}"
