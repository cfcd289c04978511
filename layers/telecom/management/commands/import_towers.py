"""python manage.py import_towers FILE [--format carrier|opencellid]."""

from django.core.management.base import BaseCommand, CommandError

from geoplatform.errors import PlatformError
from ingest import towers


class Command(BaseCommand):
    """Import cell towers from a carrier list or an OpenCelliD CSV."""

    help = "Import cell towers from a carrier CSV or an OpenCelliD CSV (MCC 452)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--format", choices=["carrier", "opencellid"], default=None)

    def handle(self, *args, **opts):
        try:
            run = towers.ingest_path(opts["path"], fmt=opts["format"])
        except PlatformError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"run {run.pk}: read {run.rows_read}, new {run.rows_new}, updated {run.rows_duplicate}, "
            f"rejected {run.rows_rejected}"
        )
        for item in run.rejected[:20]:
            self.stdout.write(f"  line {item['row']}: {item['reason']}")
