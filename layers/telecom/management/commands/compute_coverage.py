"""python manage.py compute_coverage: queue a coverage run on the Celery worker and follow its progress."""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from geoplatform.errors import PlatformError
from layers.telecom import calibration, coverage
from layers.telecom.models import CalibrationResult, CoverageRun


class Command(BaseCommand):
    """Compute mobile coverage from towers and terrain (a Celery job with progress per tower)."""

    help = "Compute mobile coverage (best server, village status, gap polygons) as a Celery job."

    def add_arguments(self, parser):
        parser.add_argument("--param", action="append", default=[], help="key=JSON value, e.g. extra_loss_db=6")
        parser.add_argument("--operator", action="append", default=[], help="limit to an operator (repeatable)")
        parser.add_argument("--technology", action="append", default=[], help="limit to 2G/3G/4G (repeatable)")
        parser.add_argument(
            "--calibrated", action="store_true", help="apply the offsets fitted by the last calibration"
        )
        parser.add_argument("--sync", action="store_true", help="compute in this process instead of the worker")
        parser.add_argument("--no-wait", action="store_true", help="queue the job and return")
        parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the worker")

    def handle(self, *args, **opts):
        given = {}
        for item in opts["param"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--param {item!r} is not key=value")
            try:
                given[key.strip()] = json.loads(value)
            except json.JSONDecodeError:
                given[key.strip()] = value
        if opts["operator"]:
            given["operators"] = opts["operator"]
        if opts["technology"]:
            given["technologies"] = opts["technology"]
        if opts["calibrated"]:
            last = CoverageRun.objects.filter(calibrations__isnull=False).order_by("-created_at").first()
            if last is None:
                raise CommandError("no calibration yet: run `python manage.py calibrate_coverage` first")
            given["operator_offset_db"] = calibration.offsets(list(CalibrationResult.objects.filter(run=last)))
        try:
            run = coverage.start(given, enqueue=not opts["sync"])
        except PlatformError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"coverage run {run.pk} queued (DEM {run.dem_id})")
        if opts["sync"]:
            run = coverage.execute(run.pk)
        elif opts["no_wait"]:
            return
        else:
            run = self._follow(run, opts["timeout"])
        if run.status != "succeeded":
            raise CommandError(f"coverage run {run.pk} {run.status}: {run.message}")
        self.stdout.write(self.style.SUCCESS(f"coverage run {run.pk} succeeded"))
        for combo, counts in sorted(run.summary.get("combos", {}).items()):
            self.stdout.write(
                f"  {combo:14s} covered {counts['covered']:3d}  weak {counts['weak']:3d}  none {counts['none']:3d}"
                f"  ({counts['towers']} towers)"
            )
        figures = coverage.figures(run)
        total = figures["villages"]
        self.stdout.write(f"  villages covered by at least one network: {figures['covered_by_any']}/{total}")
        self.stdout.write(f"  villages covered by 3G/4G of at least one operator: {figures['covered_by_3g4g']}/{total}")
        self.stdout.write(f"  villages outside the dead zones of every operator: {figures['not_dead_zone']}/{total}")

    def _follow(self, run, timeout):
        deadline = time.monotonic() + timeout
        shown = None
        while time.monotonic() < deadline:
            run.refresh_from_db()
            progress = (run.progress.get("done"), run.progress.get("total"), run.progress.get("tower"))
            if progress != shown and progress[0] is not None:
                self.stdout.write(f"  tower {progress[0]}/{progress[1]}: {progress[2]}")
                shown = progress
            if run.status in {"succeeded", "failed"}:
                return run
            time.sleep(0.5)
        raise CommandError(f"coverage run {run.pk} still {run.status} after {timeout:.0f} s (is a worker running?)")
