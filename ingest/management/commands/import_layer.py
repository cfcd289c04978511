"""manage.py import_layer <file> --layer <slug> [--srs ...] [--mode all|valid-only] [--dry-run]."""

from django.core.management.base import BaseCommand, CommandError

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
        for item in report.rejected:
            self.stdout.write(f"row {item['row']} rejected: {item['reason']}")
        if report.ignored_fields:
            self.stdout.write(f"ignored attributes: {', '.join(report.ignored_fields)}")
        written = "nothing written (dry run)" if report.dry_run else f"{report.written} written"
        self.stdout.write(
            f"{report.layer}: {report.read} read ({report.format}, {report.crs}), {report.accepted} accepted, "
            f"{len(report.rejected)} rejected, {written} [mode {report.mode}, run {report.run}]"
        )
