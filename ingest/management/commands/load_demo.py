"""`python manage.py load_demo [--seed N] [--i-know-this-is-a-demo]`: load the synthetic Bắc Trà My demo district."""

import os
import time

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from geoplatform.errors import PlatformError
from ingest.demo import build, load


def _non_demo_users() -> list[str]:
    """Usernames of accounts the demo did not make (not a role name with the demo's e-mail domain)."""
    from layers import roles

    demo = User.objects.filter(username__in=roles.ALL, email__endswith="@" + load.USER_DOMAIN)
    return list(User.objects.exclude(pk__in=demo.values("pk")).order_by("username").values_list("username", flat=True))


class Command(BaseCommand):
    """Generate the synthetic demo district from a seed and load it (replacing the previous demo)."""

    help = "Load the SYNTHETIC demo district of Bắc Trà My (deterministic for a seed; loading twice keeps one copy)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=build.DEFAULT_SEED, help="generator seed (same seed, same data)"
        )
        parser.add_argument(
            "--i-know-this-is-a-demo",
            action="store_true",
            dest="confirmed",
            help="this database is a demo: create or reset the demo accounts (needed with DEBUG off)",
        )

    def handle(self, *args, seed: int, confirmed: bool = False, **options):
        # The demo creates or resets admin and role accounts with known passwords: never by accident.
        confirmed = confirmed or os.environ.get("GEOPLATFORM_I_KNOW_THIS_IS_A_DEMO", "") == "1"
        if not confirmed:
            if not settings.DEBUG:
                raise CommandError(
                    "load_demo creates accounts with published passwords: with DEBUG off it needs "
                    "--i-know-this-is-a-demo"
                )
            others = _non_demo_users()
            if others:
                raise CommandError(
                    f"this database has {len(others)} account(s) not made by the demo ({', '.join(others[:3])}…): "
                    "refusing to reset accounts here; pass --i-know-this-is-a-demo if it really is a demo"
                )
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
            f"{n('flood.FloodObservation')} flood passes ({summary['flood_km2']} km² at the peak)"
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
