"""python manage.py ingest_raster <file> --kind fire-mask|burned-area|flood|flood-gfm|flood-nrt|discharge|dem [...]."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError
from ingest import raster_kinds


class Command(BaseCommand):
    """Ingest a raster file through the handler of its kind (ingest.raster_kinds.KINDS)."""

    help = "Ingest a raster file (GeoTIFF/COG/NetCDF) of a kind: " + ", ".join(raster_kinds.KINDS)

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--kind", required=True, choices=sorted(raster_kinds.KINDS))
        parser.add_argument("--satellite", help="fire-mask: Terra or Aqua")
        parser.add_argument("--acquired-at", help="fire-mask: acquisition time, ISO 8601 UTC")
        parser.add_argument("--year", help="burned-area: year of the Burn Date band")
        parser.add_argument("--variable", help="NetCDF: the grid variable to read")
        parser.add_argument("--time", help="flood: observation time, ISO 8601 with zone (else read from the file)")
        parser.add_argument("--threshold", help="flood-gfm: flood where likelihood >= this (0-100)")
        parser.add_argument("--points", help="discharge: river points 'lon,lat,name;lon,lat,name'")
        parser.add_argument("--option", action="append", default=[], help="extra key=value for the handler")

    def handle(self, *args, **options):
        extra = {}
        for item in options["option"]:
            key, sep, value = item.partition("=")
            if not sep or not key.isidentifier():
                raise CommandError(f"--option must be key=value, not {item!r}")
            extra[key] = value
        for name in ("satellite", "acquired_at", "year", "variable", "time", "threshold", "points"):
            if options.get(name):
                extra[name] = options[name]
        try:
            run = raster_kinds.ingest(options["path"], options["kind"], **extra)
        except PlatformError as exc:
            raise CommandError(exc.message) from exc
        if options["kind"] == "fire-mask" and run.rows_new:
            from layers.fire import services

            services.refresh_events()
        summary = _("Lần chạy %(run)s (%(status)s): %(message)s")
        self.stdout.write(summary % {"run": run.pk, "status": run.status, "message": run.message})
