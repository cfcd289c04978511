"""Photos get a random token (their link and file name) instead of being served by sequential id."""

import uuid

from django.db import migrations, models

import layers.feedback.models


def fill_tokens(apps, schema_editor):
    photo = apps.get_model("feedback", "Photo")
    for row in photo.objects.all().only("pk"):
        photo.objects.filter(pk=row.pk).update(token=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("feedback", "0003_seed_categories")]

    operations = [
        migrations.AddField(model_name="photo", name="token", field=models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="photo",
            name="token",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="photo",
            name="image",
            field=models.FileField(max_length=200, upload_to=layers.feedback.models.photo_path),
        ),
    ]
