"""python manage.py calibrate_coverage: compare a run with the signal measurements."""

from django.core.management.base import BaseCommand, CommandError

from geoplatform.errors import PlatformError
from layers.telecom import calibration
from layers.telecom.models import CoverageRun


class Command(BaseCommand):
    """Report mean error, RMSE and hit rate of a coverage run against measurements; fit offsets."""

    help = "Calibrate a coverage run against signal measurements (default: the newest finished run)."

    def add_arguments(self, parser):
        parser.add_argument("--run", type=int, help="coverage run id")

    def handle(self, *args, **opts):
        runs = CoverageRun.objects.filter(status="succeeded")
        run = runs.filter(pk=opts["run"]).first() if opts["run"] else runs.order_by("-created_at").first()
        if run is None:
            raise CommandError("no finished coverage run")
        try:
            results = calibration.calibrate(run)
        except PlatformError as exc:
            raise CommandError(exc.message) from exc
        if not results:
            self.stdout.write("no measurements for this run's operators/technologies")
        for r in results:
            self.stdout.write(
                f"{r.operator:9s} {r.technology}  n={r.measurements:4d} reports={r.reports:3d}  "
                f"mean error {r.mean_error_db if r.mean_error_db is None else round(r.mean_error_db, 1)} dB  "
                f"RMSE {r.rmse_db if r.rmse_db is None else round(r.rmse_db, 1)} dB  "
                f"hit rate {r.hit_rate if r.hit_rate is None else round(r.hit_rate, 3)}"
            )
        self.stdout.write(f"fitted offsets: {calibration.offsets(results)}")
