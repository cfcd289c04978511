"""The one registry of layers that drives every interface (API, OGC, tiles, map, embeds, exports).

Each theme app declares its layers in its own ``catalogue`` module with ``register(Layer(...))``;
the layers app imports those modules at start-up. Adding a layer is one model plus one entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps

from . import roles


class RegistryError(Exception):
    """A layer entry is inconsistent or a slug is registered twice."""


GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Layer:
    """One layer of the catalogue: what it is, what it shows, and who may read or edit it."""

    slug: str
    title_vi: str
    title_en: str
    theme: str
    model: str  # "app_label.ModelName"
    geometry_type: str
    public_fields: tuple[str, ...]
    private_fields: tuple[str, ...] = ()
    time_field: str | None = None
    filter_fields: tuple[str, ...] = ()
    ordering_fields: tuple[str, ...] = ()
    label_field: str | None = None
    style: dict = field(default_factory=dict)
    read_roles: frozenset[str] = frozenset()
    edit_roles: frozenset[str] = frozenset()
    public: bool = True
    description_vi: str = ""
    description_en: str = ""
    geometry_field: str = "geom"
    # A stored EPSG:3857 copy of the geometry (e.g. a generated column ST_Transform(geom, 3857)):
    # tiles then read it instead of transforming every row on every request (about a quarter of
    # the tile SQL's time on 200,000 parcels).
    mercator_column: str | None = None
    # What vector tiles carry besides the feature id: what the map needs to draw and label (the
    # style's fields, the label). None keeps every field the user may see. Popups fetch the whole
    # feature by id from the API, where the same permissions apply.
    tile_fields: tuple[str, ...] | None = None
    # Large layers are drawn from vector tiles on the map rather than GeoJSON.
    prefer_tiles: bool = False
    # Dotted path of a module whose ``before_write(obj, user, geometry_changed=...)`` every write path
    # (REST, OGC, imports) calls inside the write's transaction, and whose ``write_context(user,
    # reason)`` wraps the write (e.g. history context). Writes to such a layer also need If-Match on DELETE.
    write_rules: str | None = None
    # The page where editors change a feature of this layer ("{id}" is the feature's id): map popups link to it
    # for users who may edit the layer.
    edit_page: str | None = None
    min_zoom: int = 0
    max_zoom: int = 18
    # Kept by the platform from other layers (e.g. road access from crossings and floods): read on every
    # interface, never written by anyone through any of them.
    derived: bool = False

    def __post_init__(self):
        if self.geometry_type not in GEOMETRY_TYPES:
            raise RegistryError(f"{self.slug}: unknown geometry type {self.geometry_type!r}")
        overlap = set(self.public_fields) & set(self.private_fields)
        if overlap:
            raise RegistryError(f"{self.slug}: fields both public and private: {sorted(overlap)}")
        if self.tile_fields is not None:
            stray = set(self.tile_fields) - set(self.public_fields) - set(self.private_fields)
            if stray:
                raise RegistryError(f"{self.slug}: tile fields that are no field of the layer: {sorted(stray)}")
        unknown_roles = (self.read_roles | self.edit_roles) - set(roles.ALL)
        if unknown_roles:
            raise RegistryError(f"{self.slug}: unknown roles {sorted(unknown_roles)}")

    @property
    def model_class(self):
        """The Django model behind the layer."""
        return apps.get_model(self.model)

    def memo(self, key, build):
        """``build()`` once per key for this entry, then the same value (for what depends on the entry alone).

        An entry is frozen and every change is a new one (``dataclasses.replace``), so nothing kept here goes stale.
        Keys must never name a user: only what the entry and the code derive from it.
        """
        kept = self.__dict__.setdefault("_memo", {})  # frozen blocks setattr, not the instance's own dict
        if key not in kept:
            kept[key] = build()
        return kept[key]

    def title(self, language: str = "vi") -> str:
        """The title in the given language (Vietnamese by default)."""
        return self.title_en if language.startswith("en") else self.title_vi

    def can_read(self, user) -> bool:
        """Whether this user may see the layer at all."""
        if self.public:
            return True
        held = roles.of(user)
        return bool(held & (self.read_roles | self.edit_roles | roles.READ_ALL))

    def can_edit(self, user) -> bool:
        """Whether this user may create, change or delete features."""
        if self.derived:
            return False
        held = roles.of(user)
        return bool(held & (self.edit_roles | {roles.ADMIN}))

    def sees_private(self, user) -> bool:
        """Whether this user may see the private fields (a reader by role, not by publicity)."""
        held = roles.of(user)
        return bool(held & (self.read_roles | self.edit_roles | roles.READ_ALL))

    def fields_for(self, user) -> tuple[str, ...]:
        """The attribute names this user may see, public ones first."""
        if self.sees_private(user):
            return self.public_fields + self.private_fields
        return self.public_fields

    def tile_fields_for(self, user) -> tuple[str, ...]:
        """The attribute names this user's vector tiles carry: the tile fields this user may see."""
        visible = self.fields_for(user)
        if self.tile_fields is None:
            return visible
        return tuple(name for name in self.tile_fields if name in visible)


class Registry:
    """An ordered set of layers that refuses duplicate slugs."""

    def __init__(self):
        self._layers: dict[str, Layer] = {}

    def register(self, layer: Layer) -> Layer:
        """Add a layer; a slug registered twice is an error, not an override."""
        if layer.slug in self._layers:
            raise RegistryError(f"layer {layer.slug!r} is registered twice")
        self._layers[layer.slug] = layer
        return layer

    def get(self, slug: str) -> Layer | None:
        """The layer with this slug, or None."""
        return self._layers.get(slug)

    def all(self) -> list[Layer]:
        """Every layer in registration order."""
        return list(self._layers.values())

    def readable_by(self, user) -> list[Layer]:
        """The layers this user may read."""
        return [layer for layer in self._layers.values() if layer.can_read(user)]

    def for_model(self, model) -> Layer | None:
        """The layer whose model is this class, if any."""
        label = f"{model._meta.app_label}.{model.__name__}"
        for layer in self._layers.values():
            if layer.model.lower() == label.lower():
                return layer
        return None


registry = Registry()
register = registry.register
