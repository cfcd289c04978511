"""`python manage.py load_demo [--seed N]`: load the synthetic Bắc Trà My demo district."""

import time

from django.core.management.base import BaseCommand, CommandError

from geoplatform.errors import PlatformError
from ingest.demo import build, load


class Command(BaseCommand):
    """Generate the synthetic demo district from a seed and load it (replacing the previous demo)."""

    help = "Load the SYNTHETIC demo district of Bắc Trà My (deterministic for a seed; loading twice keeps one copy)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=build.DEFAULT_SEED, help="generator seed (same seed, same data)"
        )

    def handle(self, *args, seed: int, **options):
        started = time.monotonic()
        try:
            summary = load.load(seed)
        except PlatformError as exc:
            raise CommandError(exc.message) from exc
        counts = summary["counts"]

        def n(label: str) -> int:
            return counts.get(label, 0)

        reach = ", ".join(f"{op} {share:.0%}" for op, share in summary["reach"].items())
        stats = summary["dem"]["stats"]
        out = self.stdout
        out.write(
            f"Demo district loaded: SYNTHETIC data (seed {seed}), not survey data; {time.monotonic() - started:.1f} s"
        )
        out.write(
            f"  {n('places.District')} district, {n('places.Commune')} communes, {n('places.Village')} villages, "
            f"{n('places.River')} rivers, {n('places.ForestArea')} forest polygons"
        )
        out.write(
            f"  {n('telecom.CellTower')} cell sectors (villages in line of sight: {reach}), "
            f"{n('telecom.WifiPoint')} Wi-Fi points, {n('cameras.Camera')} cameras"
        )
        out.write(
            f"  {n('parcels.Parcel')} parcels, {n('feedback.Complaint')} complaints, {n('fire.Hotspot')} hotspots, "
            f"{n('flood.FloodExtent')} flood extent ({summary['flood_km2']} km²)"
        )
        out.write(f"  {n('fire.FireEvent')} fire events, {summary['fire']['alerts']} new fire alerts")
        out.write(
            f"  DEM {summary['dem']['path']} ({summary['dem']['width']}x{summary['dem']['height']}, "
            f"{stats['min']:.0f}-{stats['max']:.0f} m, sha256 {summary['dem']['sha256'][:12]})"
        )
        sig = summary["signal"]
        out.write(
            f"  {n('telecom.SignalMeasurement')} signal measurements: SYNTHETIC drive test on "
            f"{sig['roads_km']:.0f} km of valley roads, {sig['no_signal']} without signal "
            f"({sig['crowd']} crowd reports at the dead zone); CSV {sig['path']}"
        )
        out.write(f"  FIRMS CSV {summary['firms_path']}; flood mask {summary['flood_path']}")
        out.write("demo logins (username / password), synthetic accounts for the demo only:")
        for username, password in summary["logins"]:
            out.write(f"  {username:<17} {password}")
