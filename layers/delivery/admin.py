"""Admin of the shared outbox: every message with its state, and "retry" for dead letters."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import outbox
from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox: what was sent, what waits for a retry, what is dead."""

    list_display = ("created_at", "topic", "channel", "address", "subject", "state", "attempts", "next_attempt_at")
    list_filter = ("state", "topic", "channel")
    search_fields = ("key", "address", "subject")
    readonly_fields = [f.name for f in Message._meta.fields if f.name != "secret"]
    exclude = ("secret",)
    actions = ["retry"]

    @admin.action(description=_("Gửi lại các thông báo đã ngừng gửi"))
    def retry(self, request, queryset):
        """Give dead messages a fresh set of attempts."""
        count = sum(outbox.retry(pk) for pk in queryset.filter(state="dead").values_list("pk", flat=True))
        self.message_user(request, _("Đã xếp lại %(n)d thông báo để gửi.") % {"n": count})
