"""Import serves every layer of the registry: one generated feature lands in each, in place."""

import datetime
import json

import pytest
import shapely
from django.db import models

from ingest import imports
from layers.registry import registry

SHAPES = {
    "Point": shapely.Point(108.23, 15.35),
    "MultiPoint": shapely.MultiPoint([(108.23, 15.35)]),
    "LineString": shapely.LineString([(108.23, 15.35), (108.24, 15.36)]),
    "MultiLineString": shapely.MultiLineString([[(108.23, 15.35), (108.24, 15.36)]]),
    "Polygon": shapely.box(108.23, 15.35, 108.231, 15.351),
    "MultiPolygon": shapely.MultiPolygon([shapely.box(108.23, 15.35, 108.231, 15.351)]),
}


def sample(field: models.Field):
    """A plausible value for a field, as a file would carry it."""
    if field.choices:
        return str(field.choices[0][0])
    if isinstance(field, models.ForeignKey):
        return str(field.related_model.objects.order_by("pk").values_list("pk", flat=True).first())
    if isinstance(field, models.DateTimeField):
        return "2024-03-01T08:00:00+07:00"
    if isinstance(field, models.DateField):
        return "2024-03-01"
    if isinstance(field, models.BooleanField):
        return "true"
    if isinstance(field, models.IntegerField):
        return 3
    if isinstance(field, models.FloatField | models.DecimalField):
        return 1.5
    return "t1"[: field.max_length or 2]


# Values a generic sample cannot guess: codes the layer checks against its own tables.
KNOWN_CODES = {"parcels": {"land_use_code": "ODT"}}


@pytest.mark.parametrize("slug", [layer.slug for layer in registry.all() if not layer.derived])
def test_every_layer_accepts_a_file_import(commune, tmp_path, slug):
    layer = registry.get(slug)
    fields = imports.writable_fields(layer)
    properties = {name: sample(field) for name, field in fields.items() if imports.is_required(field)}
    properties.update(KNOWN_CODES.get(slug, {}))
    feature = {"type": "Feature", "geometry": shapely.geometry.mapping(SHAPES[layer.geometry_type])}
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{**feature, "properties": properties}]}))
    before = set(layer.model_class.objects.values_list("pk", flat=True))
    report = imports.import_file(path, slug, staff=True)
    assert (report.written, report.rejected) == (1, []), report
    stored = layer.model_class.objects.exclude(pk__in=before).get()
    geom = getattr(stored, layer.geometry_field)
    assert geom.srid == 4326 and geom.geom_type == layer.geometry_type
    assert shapely.equals_exact(shapely.from_wkb(bytes(geom.wkb)), SHAPES[layer.geometry_type], tolerance=1e-9)
    for name, field in fields.items():
        if isinstance(field, models.DateTimeField) and name in properties:
            assert getattr(stored, name) == datetime.datetime(2024, 3, 1, 1, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize("slug", [layer.slug for layer in registry.all() if layer.derived])
def test_a_layer_the_platform_computes_refuses_imports_even_from_the_command_line(commune, tmp_path, slug):
    layer = registry.get(slug)
    feature = {"type": "Feature", "geometry": shapely.geometry.mapping(SHAPES[layer.geometry_type]), "properties": {}}
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file(path, slug, staff=True)
    assert refused.value.field == "layer" and "tự tính" in refused.value.message
    assert not layer.model_class.objects.exists()
