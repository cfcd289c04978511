"""python manage.py ingest_firms <file-or-url> [--source S] | --area S [--days N]."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError
from ingest import firms, firms_api


class Command(BaseCommand):
    """Ingest NASA FIRMS active-fire CSV (file, URL or the FIRMS area API), then update fire events."""

    help = "Ingest NASA FIRMS active-fire CSV (file, URL, or --area SOURCE for the FIRMS area API)."

    def add_arguments(self, parser):
        parser.add_argument("location", nargs="?", help="a CSV file path or an http(s) URL")
        parser.add_argument("--source", help="FIRMS source name, e.g. VIIRS_SNPP_NRT, VIIRS_NOAA20_NRT, MODIS_SP")
        parser.add_argument("--area", metavar="SOURCE", help="poll the FIRMS area API for the district box")
        parser.add_argument("--days", type=int, default=1, help="days for --area (1-10)")
        parser.add_argument("--no-events", action="store_true", help="do not update fire events afterwards")

    def handle(self, *args, **options):
        run_events = not options["no_events"]
        try:
            if options["area"]:
                run = firms_api.ingest_area(options["area"], days=options["days"], run_events=run_events)
            elif not options["location"]:
                raise CommandError("give a file, a URL, or --area SOURCE")
            elif options["location"].lower().startswith(("http://", "https://")):
                run = firms_api.ingest_url(options["location"], source=options["source"], run_events=run_events)
            else:
                run = firms.ingest_path(options["location"], source=options["source"], run_events=run_events)
        except PlatformError as exc:
            raise CommandError(exc.message) from exc
        summary = _(
            "Lần chạy %(run)s (%(status)s): đọc %(read)s, mới %(new)s, trùng %(duplicate)s, "
            "từ chối %(rejected)s. %(message)s"
        )
        values = {"run": run.pk, "status": run.status, "read": run.rows_read, "new": run.rows_new}
        values |= {"duplicate": run.rows_duplicate, "rejected": run.rows_rejected, "message": run.message}
        self.stdout.write(summary % values)
        for item in run.rejected[:20]:
            self.stdout.write("  " + _("Dòng %(row)s: %(reason)s") % item)
