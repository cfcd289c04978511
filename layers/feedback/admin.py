"""Admin of the feedback app: categories and offices, desks, holidays, API keys, complaints, outbox."""

from django.contrib import admin, messages
from django.contrib.gis.admin import GISModelAdmin

from . import apikeys
from .models import (
    ApiKey,
    Category,
    CommuneDesk,
    Complaint,
    DistrictHoliday,
    Note,
    Notification,
    Office,
    OutboxEvent,
)


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    """Offices that answer reports."""

    list_display = ("code", "name_vi", "level", "email")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories (Open311 services) with their office and deadline rule."""

    list_display = ("code", "name_vi", "office", "dangerous", "deadline_kind", "deadline_value", "active")
    list_filter = ("active", "dangerous", "deadline_kind")


@admin.register(CommuneDesk)
class CommuneDeskAdmin(admin.ModelAdmin):
    """Each commune's feedback desk address."""

    list_display = ("commune", "email")


@admin.register(DistrictHoliday)
class DistrictHolidayAdmin(admin.ModelAdmin):
    """District-specific days off, added to the national holidays for deadlines."""

    list_display = ("date", "name")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Open311 API keys: the secret is generated on save and shown once."""

    list_display = ("name", "prefix", "active", "per_minute", "created_at")
    readonly_fields = ("prefix", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            secret = apikeys.new_secret()
            obj.prefix, obj.key_hash = apikeys.stored_form(secret)
            messages.warning(request, f"API key (shown only now): {secret}")
        super().save_model(request, obj, form, change)


class NoteInline(admin.TabularInline):
    """Notes of a complaint."""

    model = Note
    extra = 0
    fields = ("created_at", "author", "public", "status_from", "status_to", "text")
    readonly_fields = ("created_at", "author", "status_from", "status_to")


@admin.register(Complaint)
class ComplaintAdmin(GISModelAdmin):
    """Complaints (the officers' queue is the everyday page; this is for corrections)."""

    list_display = ("tracking_code", "category", "status", "commune", "created_at", "expected_at")
    list_filter = ("status", "category")
    search_fields = ("tracking_code",)
    readonly_fields = ("token", "created_at", "updated_at", "acknowledged_at", "resolved_at", "escalated_at")
    inlines = [NoteInline]


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    """The outbox: what is still to be delivered, and why not yet."""

    list_display = ("event_id", "kind", "complaint", "created_at", "dispatched_at", "delivered_at", "attempts")
    list_filter = ("kind",)
    readonly_fields = ("event_id",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Messages sent, one per event and recipient."""

    list_display = ("event_id", "recipient", "subject", "sent_at")
