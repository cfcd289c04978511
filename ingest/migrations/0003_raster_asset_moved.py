"""RasterAsset moved to the rasterstore app: forget it here, keep its table (state only)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0002_raster_asset"),
        ("rasterstore", "0001_initial"),
        ("telecom", "0003_dem_in_raster_catalogue"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RasterAsset")],
            database_operations=[],
        ),
    ]
