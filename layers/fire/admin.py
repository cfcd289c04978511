"""Admin of the fire theme: alert rules, static heat sources and ranger assignments are edited here."""

from django.contrib.gis import admin

from .models import (
    AlertRule,
    BurnedArea,
    EventAction,
    FireEvent,
    Hotspot,
    Notification,
    RangerAssignment,
    StaticHeatSource,
)


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    """When events raise alerts."""

    list_display = ("name", "active", "min_confidence", "min_hotspots", "in_forest", "max_village_distance_km")
    list_editable = ("active",)


@admin.register(StaticHeatSource)
class StaticHeatSourceAdmin(admin.GISModelAdmin):
    """Known non-fire heat sources."""

    list_display = ("name", "radius_m")


@admin.register(RangerAssignment)
class RangerAssignmentAdmin(admin.ModelAdmin):
    """Which ranger is told of fires in which commune, and how."""

    list_display = ("user", "commune", "email", "webhook_url", "digest")
    list_filter = ("commune", "digest")


class EventActionInline(admin.TabularInline):
    """The workflow history of an event (read only)."""

    model = EventAction
    extra = 0
    readonly_fields = ("from_state", "to_state", "user", "at", "note")
    can_delete = False


@admin.register(FireEvent)
class FireEventAdmin(admin.GISModelAdmin):
    """Fire events; the workflow itself goes through the ranger pages and API."""

    list_display = ("pk", "status", "alert_state", "commune", "hotspot_count", "first_seen", "last_seen", "in_forest")
    list_filter = ("status", "alert_state", "in_forest", "commune")
    readonly_fields = ("alert_state", "alerted_at", "acknowledged_at", "dispatched_at", "verified_at", "closed_at")
    inlines = [EventActionInline]


@admin.register(Hotspot)
class HotspotAdmin(admin.GISModelAdmin):
    """Satellite detections."""

    list_display = ("pk", "source", "satellite", "acquired_at", "confidence", "frp", "processing")
    list_filter = ("source", "satellite", "confidence", "processing")
    date_hierarchy = "acquired_at"


@admin.register(BurnedArea)
class BurnedAreaAdmin(admin.GISModelAdmin):
    """Burned-area polygons."""

    list_display = ("source", "burn_date", "area_ha", "pixel_count")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox of alert messages."""

    list_display = ("pk", "channel", "recipient", "status", "attempts", "digest", "created_at", "sent_at")
    list_filter = ("channel", "status", "digest")
