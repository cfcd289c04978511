"""The attribute columns of a layer as the API sees them: property name, database column, type."""

from dataclasses import dataclass

from django.contrib.gis.db import models

from layers.registry import Layer


@dataclass(frozen=True)
class Column:
    """One attribute of a layer: its property name, its database column and its model field."""

    name: str
    column: str
    field: models.Field
    private: bool

    @property
    def json_type(self) -> str:
        """The JSON-schema type of the values (foreign keys are integer ids)."""
        return json_type(self.field)

    @property
    def is_time(self) -> bool:
        """Whether values are timestamps."""
        return isinstance(self.field, models.DateTimeField)


def json_type(field) -> str:
    """JSON-schema type of a model field's values."""
    if isinstance(field, models.ForeignKey):
        return "integer"
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, (models.IntegerField, models.AutoField)):
        return "integer"
    if isinstance(field, (models.FloatField, models.DecimalField)):
        return "number"
    return "string"


def column(layer: Layer, name: str) -> Column:
    """The column behind one public or private field name of the layer."""
    field = layer.model_class._meta.get_field(name)
    return Column(name=name, column=field.column, field=field, private=name in layer.private_fields)


def named(layer: Layer, names: tuple[str, ...]) -> tuple[Column, ...]:
    """The columns behind these field names, looked up once per layer entry and set of names."""
    return layer.memo(("columns", names), lambda: tuple(column(layer, name) for name in names))


def visible(layer: Layer, user) -> list[Column]:
    """The columns this user may see, public first."""
    # The user decides which names (per request); only the name -> column lookup is kept.
    return list(named(layer, layer.fields_for(user)))


def editable(layer: Layer) -> dict[str, Column]:
    """The columns an editor may write (every listed field the model lets people edit)."""
    out = {}
    for name in layer.public_fields + layer.private_fields:
        col = column(layer, name)
        if col.field.editable and not (name == "version" and has_version(layer)):
            out[name] = col
    return out


def has_version(layer: Layer) -> bool:
    """Whether the layer's model carries an optimistic-locking ``version`` counter."""
    return any(
        f.name == "version" and isinstance(f, models.IntegerField) for f in layer.model_class._meta.concrete_fields
    )
