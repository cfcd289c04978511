"""python manage.py import_signal FILE: drive-test or crowd-sourced signal measurements."""

from django.core.management.base import BaseCommand, CommandError

from geoplatform.errors import PlatformError
from ingest import signal


class Command(BaseCommand):
    """Import signal measurement points (lon, lat, operator, technology, dbm, time)."""

    help = "Import signal measurements from a CSV (lon,lat,operator,technology,dbm,time; empty dbm = no signal)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--source", choices=["drive_test", "crowd", "complaint"], default="drive_test")

    def handle(self, *args, **opts):
        try:
            run = signal.ingest_path(opts["path"], source=opts["source"])
        except PlatformError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"run {run.pk}: read {run.rows_read}, new {run.rows_new}, duplicate {run.rows_duplicate}, "
            f"rejected {run.rows_rejected}"
        )
        for item in run.rejected[:20]:
            self.stdout.write(f"  line {item['row']}: {item['reason']}")
