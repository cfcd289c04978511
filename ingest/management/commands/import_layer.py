"""manage.py import_layer <file> --layer <slug> [--srs ...] [--mode all|valid-only] [--dry-run]."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError
from ingest import imports


class Command(BaseCommand):
    """Import a vector file into a layer (staff level: no role check) and print the report."""

    help = "Import GeoJSON, GeoPackage, zipped Shapefile, KML or CSV into a layer, reprojected to EPSG:4326."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the file to import")
        parser.add_argument("--layer", required=True, help="slug of the target layer, e.g. villages")
        parser.add_argument("--srs", help="CRS of the file when it has none or a wrong one: EPSG:XXXX or +proj")
        parser.add_argument("--mode", choices=imports.MODES, default="all", help="all (default) or valid-only")
        parser.add_argument("--source-layer", help="layer inside the file when it holds several")
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")

    def handle(self, *args, **options):
        try:
            report = imports.import_file(
                options["file"],
                options["layer"],
                staff=True,
                srs=options["srs"],
                mode=options["mode"],
                dry_run=options["dry_run"],
                source_layer=options["source_layer"],
            )
        except imports.ImportRefused as exc:
            if exc.report is not None:
                self._print(exc.report)
            raise CommandError(exc.message, returncode=2) from None
        except PlatformError as exc:
            raise CommandError(exc.message, returncode=2) from None
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {exc.filename}") from None
        self._print(report)
        would_fail = report.accepted == 0 or (report.mode == "all" and report.rejected)
        if report.dry_run and would_fail:
            raise CommandError("dry run: this file would not be imported", returncode=2)

    def _print(self, report: imports.Report) -> None:
        # Printed in settings.LANGUAGE_CODE (Vietnamese): commands run with the project's language.
        for item in report.rejected:
            self.stdout.write(_("Dòng %(row)s bị từ chối: %(reason)s") % item)
        if report.ignored_fields:
            self.stdout.write(_("Thuộc tính bị bỏ qua: %(names)s") % {"names": ", ".join(report.ignored_fields)})
        if report.dry_run:
            written = _("chạy thử, không ghi gì cả")
        else:
            written = _("đã ghi %(count)s") % {"count": report.written}
        summary = _(
            "%(layer)s: đọc %(read)s (%(format)s, %(crs)s), nhận %(accepted)s, từ chối %(rejected)s, "
            "%(written)s [chế độ %(mode)s, lần chạy %(run)s]"
        )
        values = {"layer": report.layer, "read": report.read, "format": report.format, "crs": report.crs}
        values |= {"accepted": report.accepted, "rejected": len(report.rejected), "written": written}
        self.stdout.write(summary % {**values, "mode": report.mode, "run": report.run})
