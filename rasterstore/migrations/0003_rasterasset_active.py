"""An explicit active DEM (issue 15): the newest DEM of an existing install becomes the active one."""

from django.db import migrations, models
from django.db.models import Q


def activate_newest_dem(apps, schema_editor):
    RasterAsset = apps.get_model("rasterstore", "RasterAsset")
    newest = RasterAsset.objects.filter(kind="dem").order_by("-created_at", "-pk").first()
    if newest is not None:
        RasterAsset.objects.filter(pk=newest.pk).update(active=True)


class Migration(migrations.Migration):
    dependencies = [
        ("rasterstore", "0002_catalogue_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="rasterasset",
            name="active",
            field=models.BooleanField(default=False),
        ),
        migrations.AddConstraint(
            model_name="rasterasset",
            constraint=models.UniqueConstraint(
                condition=Q(active=True), fields=("kind",), name="rasterasset_one_active_per_kind"
            ),
        ),
        migrations.RunPython(activate_newest_dem, migrations.RunPython.noop),
    ]
