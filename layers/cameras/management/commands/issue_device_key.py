"""python manage.py issue_device_key DEVICE_ID: a new heartbeat key for a field sensor, printed once."""

from django.core.management.base import BaseCommand, CommandError

from layers.cameras import health
from layers.cameras.models import Device


class Command(BaseCommand):
    help = "Issue a new heartbeat key for a device (the old key stops working). The key is shown only now."

    def add_arguments(self, parser):
        parser.add_argument("device_id", type=int)

    def handle(self, *args, device_id, **options):
        device = Device.objects.filter(pk=device_id).first()
        if device is None:
            raise CommandError(f"no device {device_id}")
        self.stdout.write(health.issue_key(device))
