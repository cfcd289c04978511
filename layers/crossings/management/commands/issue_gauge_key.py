"""Add a gauge to a crossing and print its API key once (only its SHA-256 is kept)."""

from django.core.management.base import BaseCommand, CommandError

from layers.crossings import gauges
from layers.crossings.models import Crossing


class Command(BaseCommand):
    help = "Create a gauge at a crossing and print its API key (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--crossing", type=int, required=True)
        parser.add_argument("--name", default="")

    def handle(self, *args, **opts):
        crossing = Crossing.objects.filter(pk=opts["crossing"]).first()
        if crossing is None:
            raise CommandError(f"no crossing with id {opts['crossing']}")
        gauge, secret = gauges.issue(crossing, opts["name"] or f"Trạm đo {crossing.name}")
        self.stdout.write(f"gauge {gauge.pk} at {crossing.name}; X-Api-Key: {secret}")
