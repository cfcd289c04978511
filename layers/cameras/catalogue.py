"""Layers of the cameras theme."""

from layers import roles
from layers.registry import Layer, register

register(
    Layer(
        slug="cameras",
        title_vi="Camera giám sát",
        title_en="Cameras",
        theme="cameras",
        model="cameras.Camera",
        geometry_type="Point",
        public_fields=("name", "kind", "status", "last_seen_at"),
        private_fields=("stream_url",),
        time_field="last_seen_at",
        filter_fields=("kind", "status"),
        ordering_fields=("name", "last_seen_at"),
        label_field="name",
        style={"color": "#37474f", "radius": 5, "fillColor": "#90a4ae", "fillOpacity": 0.9},
        read_roles=frozenset({roles.OPERATOR}),
        edit_roles=frozenset({roles.ADMIN}),
    )
)
