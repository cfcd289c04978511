"""Parcels in the Django admin with django-leaflet's map widget, under the same rules as every write.

Urban-management staff are not Django staff users; they get their own small admin site at
/parcels/admin/ (parcels and land uses only), opened by their role. The main admin has the same pages.
"""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from geoplatform.errors import PlatformError
from layers import roles

from . import services
from .models import LandUse, Lineage, Parcel


class ParcelAdminSite(admin.AdminSite):
    """The admin of the parcel theme, for urban-management staff."""

    site_header = _("Quản trị thửa đất")
    site_title = _("Quản trị thửa đất")
    index_title = _("Thửa đất và danh mục loại đất")

    def has_permission(self, request):
        """Active users who are staff or hold the urban_staff or admin role."""
        user = request.user
        return user.is_active and (user.is_staff or bool(roles.of(user) & {roles.URBAN_STAFF, roles.ADMIN}))


site = ParcelAdminSite(name="parcels_admin")


class ParcelAdmin(LeafletGeoAdmin):
    """Parcels: the shape on a map, the attributes in words, area and commune computed by the server."""

    list_display = ("__str__", "land_use_code", "area_m2", "area_mismatch", "commune", "version", "updated_at")
    list_filter = ("land_use_code", "area_mismatch", "legal_status")
    search_fields = ("map_sheet", "parcel_number", "address")
    readonly_fields = ("area_m2", "area_mismatch", "commune", "version", "updated_at", "updated_by")
    fields = (
        "map_sheet",
        "parcel_number",
        "land_use_code",
        "address",
        "holder_name",
        "legal_status",
        "declared_area_m2",
        "geom",
        *readonly_fields,
    )
    settings_overrides = {"DEFAULT_CENTER": (15.35, 108.23), "DEFAULT_ZOOM": 16, "MAX_ZOOM": 21}

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The form, checked by the parcel rules after the model's own validation."""
        base = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class Checked(base):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    services.before_write(self.instance, user, geometry_changed="geom" in self.changed_data)
                except PlatformError as exc:
                    self.add_error(exc.field if exc.field in self.fields else None, exc.message)

        return Checked

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Land use as a choice of words from the code table."""
        if db_field.name == "land_use_code":
            from django import forms

            choices = [("", "---------")] + [(u.code, str(u)) for u in LandUse.objects.all()]
            return forms.ChoiceField(choices=choices, label=db_field.verbose_name, required=True)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """A change is a new version."""
        if change:
            obj.version += 1
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, *args, **kwargs):
        """Every change from the admin is one transaction under the rules' lock, its history says who and where."""
        with transaction.atomic(), services.write_context(request.user, str(_("Trang quản trị"))):
            return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        """Deletes from the admin are recorded with the user."""
        with transaction.atomic(), services.write_context(request.user, str(_("Trang quản trị"))):
            return super().delete_view(request, *args, **kwargs)


class LandUseAdmin(admin.ModelAdmin):
    """The national land-use list, editable by administrators."""

    list_display = ("code", "name", "group")
    search_fields = ("code", "name")


class LineageAdmin(admin.ModelAdmin):
    """Which parcels were born of which (read only)."""

    list_display = ("parent_label", "child", "operation", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


for target in (admin.site, site):
    target.register(Parcel, ParcelAdmin)
    target.register(LandUse, LandUseAdmin)
    target.register(Lineage, LineageAdmin)
