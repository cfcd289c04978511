"""Layers of the places theme."""

from layers import roles
from layers.registry import Layer, register

register(
    Layer(
        slug="district",
        title_vi="Ranh giới huyện",
        title_en="District boundary",
        theme="places",
        model="places.District",
        geometry_type="MultiPolygon",
        public_fields=("name", "name_en", "synthetic"),
        label_field="name",
        style={"color": "#222222", "weight": 3, "fillOpacity": 0},
        edit_roles=frozenset({roles.ADMIN}),
    )
)
register(
    Layer(
        slug="communes",
        title_vi="Xã, thị trấn",
        title_en="Communes",
        theme="places",
        model="places.Commune",
        geometry_type="MultiPolygon",
        public_fields=("name", "code", "kind", "population"),
        # Not the slug code: a filter offers what people read.
        filter_fields=("name", "kind"),
        ordering_fields=("name", "population"),
        label_field="name",
        # "labels": the map writes each commune's name on it (the offline base map names villages only).
        style={"color": "#555555", "weight": 1.5, "dashArray": "4 3", "fillOpacity": 0.03, "labels": True},
        edit_roles=frozenset({roles.ADMIN}),
    )
)
register(
    Layer(
        slug="villages",
        title_vi="Thôn, tổ dân phố",
        title_en="Villages",
        theme="places",
        model="places.Village",
        geometry_type="Point",
        public_fields=("name", "commune", "households", "population", "has_cultural_house", "elevation_m"),
        filter_fields=("name", "commune", "has_cultural_house"),
        ordering_fields=("name", "households", "population"),
        label_field="name",
        style={"color": "#1f5fbf", "radius": 5, "fillColor": "#4a90e2", "fillOpacity": 0.9},
        edit_roles=frozenset({roles.PLANNER}),
    )
)
register(
    Layer(
        slug="rivers",
        title_vi="Sông suối",
        title_en="Rivers",
        theme="places",
        model="places.River",
        geometry_type="MultiLineString",
        public_fields=("name",),
        label_field="name",
        style={"color": "#3a8fd9", "weight": 3},
        edit_roles=frozenset({roles.ADMIN}),
    )
)
register(
    Layer(
        slug="forest",
        title_vi="Rừng",
        title_en="Forest cover",
        theme="places",
        model="places.ForestArea",
        geometry_type="MultiPolygon",
        public_fields=("name", "kind"),
        filter_fields=("kind",),
        style={"color": "#2e7d32", "weight": 0.5, "fillColor": "#66bb6a", "fillOpacity": 0.25},
        edit_roles=frozenset({roles.RANGER}),
    )
)
