"""Layers of the flood theme."""

from layers import roles
from layers.registry import Layer, register

register(
    Layer(
        slug="flood-extents",
        title_vi="Vùng ngập lụt",
        title_en="Flood extents",
        theme="flood",
        model="flood.FloodExtent",
        geometry_type="MultiPolygon",
        public_fields=("event", "source_product", "observed_at", "area_km2"),
        time_field="observed_at",
        filter_fields=("event", "source_product"),
        ordering_fields=("observed_at", "area_km2"),
        style={"color": "#0d47a1", "weight": 1, "fillColor": "#42a5f5", "fillOpacity": 0.45},
        read_roles=frozenset({roles.OPERATOR}),
        edit_roles=frozenset({roles.ADMIN}),
    )
)
