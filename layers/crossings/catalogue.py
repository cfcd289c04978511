"""Layers of the crossings theme: roads by class and river crossings by status."""

from layers import roles
from layers.registry import Layer, register

register(
    Layer(
        slug="roads",
        title_vi="Đường giao thông",
        title_en="Roads",
        theme="crossings",
        model="crossings.Road",
        geometry_type="MultiLineString",
        public_fields=("name", "road_class", "length_km"),
        filter_fields=("name", "road_class"),
        ordering_fields=("name", "length_km"),
        label_field="name",
        style={"color": "#8d6e63", "weight": 2.5},
        edit_roles=frozenset({roles.ADMIN}),
    )
)
register(
    Layer(
        slug="crossings",
        title_vi="Ngầm tràn, cầu, bến đò",
        title_en="River crossings",
        theme="crossings",
        model="crossings.Crossing",
        geometry_type="Point",
        public_fields=(
            "name",
            "kind",
            "status",
            "level_m",
            "level_at",
            "river_name",
            "road_name",
            "caution_level_m",
            "closed_level_m",
            "status_since",
        ),
        time_field="level_at",
        filter_fields=("kind", "status"),
        ordering_fields=("name", "level_m", "level_at"),
        label_field="name",
        style={
            "color": "#4e342e",
            "radius": 7,
            "fillColor": "#90a4ae",
            "fillOpacity": 0.95,
            # Colour by status; the legend names each in words (safe green, caution orange, closed red).
            "byStatus": {"unknown": "#90a4ae", "safe": "#2e7d32", "caution": "#ef6c00", "closed": "#b71c1c"},
        },
        edit_roles=frozenset({roles.OPERATOR}),
    )
)
register(
    Layer(
        slug="village-access",
        title_vi="Đường bộ đến các thôn",
        title_en="Road access to villages",
        theme="crossings",
        model="crossings.VillageAccess",
        derived=True,
        geometry_type="Point",
        public_fields=("name", "commune_name", "status", "since", "population", "checked_at"),
        time_field="since",
        filter_fields=("status", "commune_name"),
        ordering_fields=("name", "population", "since"),
        label_field="name",
        description_vi=(
            "Đường bộ từ thị trấn đến từng thôn lúc này, khi ngầm tràn cấm qua và nước lũ mới nhất chặn đường."
        ),
        description_en=(
            "Whether each village can be reached by road from the town now, given closed crossings and the newest"
            " flood water."
        ),
        style={
            "color": "#37474f",
            "radius": 6,
            # The layer's own swatch (layer list, legend) is the red of "cut off": a green
            # dot read as "every village here is fine"; red says what the layer is watching for.
            "fillColor": "#b71c1c",
            "fillOpacity": 0.95,
            # Cut-off villages stand out in red, listed first in the legend, which names each status in words.
            "byStatus": {"cut_off": "#b71c1c", "reachable": "#2e7d32", "no_road": "#9e9e9e"},
        },
    )
)
