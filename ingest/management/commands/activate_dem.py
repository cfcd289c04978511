"""python manage.py activate_dem [ID]: make a loaded DEM the one every viewshed and the base map use."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rasterstore.models import RasterAsset


class Command(BaseCommand):
    """Activate a DEM by id (the previous one is kept, inactive); without an id, list the DEMs."""

    help = "Activate a DEM (RasterAsset id); without an id, list the loaded DEMs and which one is active."

    def add_arguments(self, parser):
        parser.add_argument("id", nargs="?", type=int, help="the RasterAsset id of the DEM to use")

    def handle(self, *args, **options):
        dems = RasterAsset.objects.filter(kind="dem").order_by("-created_at", "-pk")
        if options["id"] is None:
            active = RasterAsset.active_dem()
            for dem in dems:
                mark = "*" if active is not None and dem.pk == active.pk else " "
                when = f"{dem.created_at:%Y-%m-%d %H:%M}"
                self.stdout.write(f"{mark} {dem.pk}\t{dem.name}\t{when}\t{dem.width}x{dem.height}")
            return
        dem = dems.filter(pk=options["id"]).first()
        if dem is None:
            raise CommandError(_("Không có DEM số %(id)s") % {"id": options["id"]})
        previous = RasterAsset.active_dem()
        dem.activate()
        kept = ""
        if previous is not None and previous.pk != dem.pk:
            kept = _(" (DEM %(id)s được giữ lại, không dùng)") % {"id": previous.pk}
        self.stdout.write(_("DEM %(id)s đang được dùng") % {"id": dem.pk} + kept)
