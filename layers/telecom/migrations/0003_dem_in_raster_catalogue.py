"""The DEM of a coverage run now points at rasterstore.RasterAsset (same table; state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("telecom", "0002_coverage_runs"),
        ("rasterstore", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="coveragerun",
                    name="dem",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="rasterstore.rasterasset",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
