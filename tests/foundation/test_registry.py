"""The registry: every entry is consistent with its model, and duplicates are refused."""

import pytest
from django.contrib.auth.models import Group

from layers import roles
from layers.registry import Layer, Registry, RegistryError, registry

ISSUE_SLUGS = {
    "district",
    "communes",
    "villages",
    "cell-towers",
    "coverage-gaps",
    "wifi-points",
    "cameras",
    "fire-hotspots",
    "parcels",
    "complaints",
    "flood-extents",
}


def test_every_slug_named_by_the_catalogue_issue_is_registered():
    assert {layer.slug for layer in registry.all()} >= ISSUE_SLUGS


@pytest.mark.parametrize("layer", registry.all(), ids=lambda layer: layer.slug)
def test_entry_matches_its_model(layer):
    model = layer.model_class
    names = {f.name for f in model._meta.get_fields()}
    for name in layer.public_fields + layer.private_fields + layer.filter_fields + layer.ordering_fields:
        assert name in names, f"{layer.slug}: {name} is not a field of {layer.model}"
    if layer.time_field:
        assert layer.time_field in names
    geom = model._meta.get_field(layer.geometry_field)
    assert geom.geom_type.replace(" ", "").lower() == layer.geometry_type.lower()
    assert geom.srid == 4326
    assert layer.title_vi and layer.title_en and layer.title_vi != layer.title_en


def test_duplicate_slug_is_refused():
    reg = Registry()
    entry = Layer(
        slug="x",
        title_vi="X",
        title_en="Ex",
        theme="t",
        model="places.Village",
        geometry_type="Point",
        public_fields=("name",),
    )
    reg.register(entry)
    with pytest.raises(RegistryError):
        reg.register(entry)


def test_a_field_cannot_be_both_public_and_private():
    with pytest.raises(RegistryError):
        Layer(
            slug="y",
            title_vi="Y",
            title_en="Why",
            theme="t",
            model="places.Village",
            geometry_type="Point",
            public_fields=("name",),
            private_fields=("name",),
        )


@pytest.mark.django_db
def test_roles_exist_as_groups_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL)


@pytest.mark.django_db
def test_private_fields_only_for_role_holders(users):
    from django.contrib.auth.models import AnonymousUser

    parcels = registry.get("parcels")
    assert "holder_name" not in parcels.fields_for(AnonymousUser())
    assert "holder_name" not in parcels.fields_for(users["ranger"])
    assert "holder_name" in parcels.fields_for(users["urban_staff"])
    assert "holder_name" in parcels.fields_for(users["operator"])
    private = registry.get("signal-measurements")
    assert not private.can_read(AnonymousUser())
    assert private.can_read(users["planner"]) and not private.can_read(users["ranger"])
