"""A task runs through a real Celery worker process on Redis, against the test database."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from layers.places.models import Commune, District, Village
from layers.places.tasks import refresh_commune_population


def _commune():
    square = MultiPolygon(Polygon.from_bbox((108.1, 15.2, 108.2, 15.3)), srid=4326)
    district = District.objects.create(name="Bắc Trà My", geom=square)
    commune = Commune.objects.create(district=district, name="Trà Sơn", code="tra-son", geom=square)
    Village.objects.create(commune=commune, name="Thôn 1", population=420, geom=Point(108.15, 15.25, srid=4326))
    Village.objects.create(commune=commune, name="Thôn 2", population=380, geom=Point(108.16, 15.26, srid=4326))
    return commune


@pytest.mark.worker
def test_task_runs_in_a_real_worker_and_writes_to_postgis(celery_worker_process):
    commune = _commune()
    result = refresh_commune_population.delay(commune.pk)
    assert result.get(timeout=60) == 800
    commune.refresh_from_db()
    assert commune.population == 800
    # Idempotent: running it again changes nothing.
    assert refresh_commune_population.delay(commune.pk).get(timeout=60) == 800
    commune.refresh_from_db()
    assert commune.population == 800
