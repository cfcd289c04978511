"""IngestRun remembers its Celery task and when it was re-run (the reaper of runs whose worker died)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ingest", "0003_raster_asset_moved")]

    operations = [
        migrations.AddField(model_name="ingestrun", name="task", field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(model_name="ingestrun", name="rerun_at", field=models.DateTimeField(blank=True, null=True)),
    ]
