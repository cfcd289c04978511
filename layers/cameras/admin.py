"""Admin of cameras and watched devices: check settings and credentials, the key of a field sensor."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import health
from .models import Camera, Device, StatusChange


class ChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("at", "from_status", "to_status", "reason", "error")
    ordering = ("-at",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "probe", "status", "status_since", "last_check_at", "last_reason")
    list_filter = ("kind", "probe", "status", "enabled")
    search_fields = ("name",)
    readonly_fields = (
        "status",
        "status_since",
        "failures",
        "last_check_at",
        "last_seen_at",
        "last_reason",
        "last_error",
    )
    exclude = ("key_hash",)
    inlines = [ChangeInline]
    actions = ["new_key"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "password" in form.base_fields:
            from django import forms

            # Never sent back to the browser; left empty, the stored password is kept.
            form.base_fields["password"].widget = forms.PasswordInput(render_value=False)
            form.base_fields["password"].required = False
        return form

    def save_model(self, request, obj, form, change):
        if change and not form.cleaned_data.get("password"):
            obj.password = Device.objects.get(pk=obj.pk).password
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Cấp khoá tín hiệu mới (chỉ hiện một lần)"))
    def new_key(self, request, queryset):
        for device in queryset:
            key = health.issue_key(device)
            messages.warning(request, _("Khoá mới của %(name)s: %(key)s") % {"name": device.name, "key": key})


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "status", "last_seen_at")
    list_filter = ("kind", "status")
    search_fields = ("name",)
