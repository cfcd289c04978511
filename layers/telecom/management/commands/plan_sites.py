"""python manage.py plan_sites --k N: choose new tower sites (and rank Wi-Fi points)."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geoplatform.errors import PlatformError
from layers.telecom import siteplans


class Command(BaseCommand):
    """Greedy maximal-covering choice of k new sites over the newest coverage run."""

    help = "Choose k new tower sites that add the most covered people; --wifi ranks Wi-Fi points."

    def add_arguments(self, parser):
        parser.add_argument("--k", type=int, default=3)
        parser.add_argument("--operator", default="viettel")
        parser.add_argument("--technology", default="4G")
        parser.add_argument("--candidates", default="hilltops", help="hilltops, grid, or a CSV file (name,lon,lat)")
        parser.add_argument("--no-what-if", action="store_true", help="do not queue the what-if coverage run")
        parser.add_argument("--wifi", action="store_true", help="also rank cultural houses without Wi-Fi")

    def handle(self, *args, **opts):
        candidates = opts["candidates"]
        if candidates not in {"hilltops", "grid"}:
            path = Path(candidates)
            if not path.is_file():
                raise CommandError(f"no such candidates file: {path}")
            with path.open(encoding="utf-8-sig") as handle:
                candidates = [dict(row) for row in csv.DictReader(handle)]
        try:
            plan = siteplans.plan(
                opts["k"],
                operator=opts["operator"],
                technology=opts["technology"],
                candidates=candidates,
                what_if=not opts["no_what_if"],
            )
        except PlatformError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"plan {plan.pk}: {opts['operator']} {opts['technology']}, k={plan.k}, over coverage run "
            f"{plan.base_run_id}: +{plan.population_added} people (no choice of {plan.k} can add more than "
            f"{plan.upper_bound})"
        )
        for site in plan.candidates.filter(rank__isnull=False).order_by("rank"):
            names = ", ".join(f"{v['name']}, {v.get('commune', '')} ({v['population']})" for v in site.villages_added)
            self.stdout.write(
                f"  #{site.rank} {site.name} at {site.geom.y:.5f}N {site.geom.x:.5f}E, {site.elevation_m:.0f} m: "
                f"+{site.population_added} people: {names}"
            )
        if plan.what_if_run_id:
            self.stdout.write(f"what-if coverage run {plan.what_if_run_id} queued (see /coverage/)")
        if opts["wifi"]:
            self.stdout.write("Wi-Fi: cultural houses without public Wi-Fi, by households served")
            for row in siteplans.wifi_priorities():
                self.stdout.write(
                    f"  {row['rank']:3d}. {row['village']} ({row['commune']}): {row['households']} households,"
                    f" mobile {row['mobile']}"
                )
