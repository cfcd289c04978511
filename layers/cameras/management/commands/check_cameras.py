"""python manage.py check_cameras: one round of checks now, with what each device answered."""

from django.core.management.base import BaseCommand

from layers.cameras import health
from layers.cameras.models import Device


class Command(BaseCommand):
    help = "Check every enabled camera once (HTTP(S) snapshot/status or RTSP), sweep sensor heartbeats, send alerts."

    def handle(self, *args, **options):
        summary = health.run_round()
        if summary.get("skipped"):
            self.stdout.write("another check round is running; nothing done")
            return
        for device in Device.objects.filter(enabled=True).order_by("name"):
            reason = health.reason_text(device.last_reason) if device.last_reason not in ("", "ok") else ""
            detail = f" ({device.last_error})" if device.last_error else ""
            self.stdout.write(
                f"{device.get_status_display():<14} {device.name}{' · ' + reason if reason else ''}{detail}"
            )
        self.stdout.write(
            f"{summary['checked']} checked, {summary['online']} answered, "
            f"{summary['changes']} status changes, {summary['alerts']} alerts"
        )
