"""Urban-management parcels; the holder's name is private; every change is kept by database triggers."""

import pghistory
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.utils.translation import gettext_lazy as _


class LandUse(models.Model):
    """One code of the national land-use list (e.g. ODT = đất ở tại đô thị); editable in the admin."""

    code = models.CharField(_("mã"), max_length=10, primary_key=True)
    name = models.CharField(_("tên loại đất"), max_length=200)
    group = models.CharField(_("nhóm đất"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("loại đất")
        verbose_name_plural = _("loại đất")

    def __str__(self):
        return f"{self.name} ({self.code})"


# The parcel's attributes as the cadastral office and the history know them (the geometry and commune aside).
RECORD_FIELDS = (
    "map_sheet",
    "parcel_number",
    "land_use_code",
    "area_m2",
    "declared_area_m2",
    "address",
    "holder_name",
    "legal_status",
)

LEGAL_STATUSES = [
    ("", _("chưa rõ")),
    ("certified", _("đã cấp giấy chứng nhận")),
    ("pending", _("đang làm thủ tục")),
    ("uncertified", _("chưa cấp giấy chứng nhận")),
    ("disputed", _("đang tranh chấp")),
]


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["geom_3857"],
    model_name="ParcelEvent",
)
class Parcel(models.Model):
    """A land parcel (thửa đất) of the town's urban-management database."""

    map_sheet = models.CharField(_("số tờ"), max_length=20, help_text="Số tờ bản đồ")
    parcel_number = models.CharField(_("số thửa"), max_length=20, help_text="Số thửa")
    land_use_code = models.CharField(_("loại đất"), max_length=10, help_text="Mã loại đất (e.g. ODT, ONT, CLN, DGT)")
    # Computed by the server in VN-2000 / Quảng Nam TM-3 (EPSG:5899) on every geometry change.
    area_m2 = models.FloatField(_("diện tích tính (m²)"), default=0, editable=False)
    declared_area_m2 = models.FloatField(_("diện tích kê khai (m²)"), null=True, blank=True)
    area_mismatch = models.BooleanField(_("diện tích lệch kê khai"), default=False, editable=False)
    address = models.CharField(_("địa chỉ"), max_length=200, blank=True)
    holder_name = models.CharField(_("chủ sử dụng"), max_length=200, blank=True)
    legal_status = models.CharField(_("tình trạng pháp lý"), max_length=20, blank=True, choices=LEGAL_STATUSES)
    commune = models.ForeignKey(
        "places.Commune", null=True, blank=True, on_delete=models.PROTECT, editable=False, verbose_name=_("xã")
    )
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
        verbose_name = _("thửa đất")
        verbose_name_plural = _("thửa đất")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "map_sheet", "parcel_number"],
                name="parcel_unique_number_in_commune",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.map_sheet}/{self.parcel_number}"


class Lineage(models.Model):
    """A parent parcel of a split or merge and the child born from it (kept after the parent is gone)."""

    SPLIT = "split"
    MERGE = "merge"
    parent_id_value = models.BigIntegerField(_("thửa gốc (id)"))
    parent_label = models.CharField(_("thửa gốc"), max_length=50)
    child = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="parents")
    operation = models.CharField(max_length=10, choices=[(SPLIT, _("tách thửa")), (MERGE, _("hợp thửa"))])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("nguồn gốc thửa")
        verbose_name_plural = _("nguồn gốc thửa")
