"""Existing parcels get their area computed in EPSG:5899 and their commune derived, as every write now does."""

import pgtrigger
from django.db import migrations

RECOMPUTE = """
    UPDATE parcels_parcel AS p
    SET area_m2 = round(ST_Area(ST_Transform(p.geom, 5899))::numeric, 2),
        commune_id = (SELECT c.id FROM places_commune c WHERE ST_Intersects(c.geom, p.geom)
                      ORDER BY ST_Area(ST_Intersection(c.geom, p.geom)) DESC, c.id LIMIT 1)
"""


def recompute(apps, schema_editor):
    # A derived-field correction, not a person's change: kept out of the history.
    with pgtrigger.ignore("parcels.Parcel:update_update"), schema_editor.connection.cursor() as cursor:
        cursor.execute(RECOMPUTE)


class Migration(migrations.Migration):
    dependencies = [
        ("parcels", "0005_land_uses_and_staff_permissions"),
        ("places", "0001_initial"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
