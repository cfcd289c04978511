"""Take over ingest.RasterAsset's table: state only, the table and its rows stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


def _move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="ingest", model="rasterasset").update(app_label="rasterstore")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("ingest", "0002_raster_asset"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RasterAsset",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("dem", "DEM"),
                                    ("flood", "Flood mask"),
                                    ("fire-mask", "Fire mask"),
                                    ("burned-area", "Burned area"),
                                ],
                                db_index=True,
                                max_length=20,
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        ("path", models.CharField(max_length=500)),
                        ("crs", models.TextField(help_text="WKT or EPSG code of the file's CRS")),
                        ("width", models.PositiveIntegerField()),
                        ("height", models.PositiveIntegerField()),
                        ("bounds", models.JSONField(help_text="[west, south, east, north] in EPSG:4326")),
                        ("resolution", models.JSONField(help_text="[x, y] pixel size in the file's CRS units")),
                        ("nodata", models.FloatField(blank=True, null=True)),
                        ("stats", models.JSONField(blank=True, default=dict)),
                        ("synthetic", models.BooleanField(default=False)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "run",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to="ingest.ingestrun",
                            ),
                        ),
                    ],
                    options={"ordering": ["-created_at"], "db_table": "ingest_rasterasset"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_move_content_type, migrations.RunPython.noop),
    ]
