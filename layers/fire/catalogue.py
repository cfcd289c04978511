"""Layers of the fire theme: hotspots, fire events (with their alert workflow) and burned areas."""

from layers import roles
from layers.registry import Layer, register

register(
    Layer(
        slug="fire-hotspots",
        title_vi="Điểm cháy (vệ tinh)",
        title_en="Fire hotspots (satellite)",
        theme="fire",
        model="fire.Hotspot",
        geometry_type="Point",
        public_fields=(
            "source",
            "satellite",
            "instrument",
            "acquired_at",
            "confidence",
            "confidence_raw",
            "frp",
            "brightness",
            "daynight",
            "fire_type",
            "processing",
        ),
        time_field="acquired_at",
        filter_fields=("source", "satellite", "instrument", "confidence", "daynight", "processing"),
        ordering_fields=("acquired_at", "frp"),
        style={
            "color": "#d84315",
            "radius": 5,
            "fillColor": "#ff7043",
            "fillOpacity": 0.9,
            # The map colours hotspots by age and sizes them by confidence.
            "byAge": {"hours": [6, 24, 72], "colors": ["#b71c1c", "#f4511e", "#ffb300", "#9e9e9e"]},
            "byConfidence": {"low": 3, "nominal": 5, "high": 7},
        },
        read_roles=frozenset({roles.RANGER}),
        edit_roles=frozenset({roles.RANGER}),
        prefer_tiles=True,
        # Tiles draw from the stored web-Mercator copy and carry what the style needs (age and
        # confidence); popups fetch the rest by id.
        mercator_column="geom_3857",
        tile_fields=("acquired_at", "confidence"),
        description_vi="Điểm cháy VIIRS/MODIS từ NASA FIRMS và ảnh mặt nạ cháy MOD14/MYD14.",
        description_en="VIIRS/MODIS hotspots from NASA FIRMS and MOD14/MYD14 fire-mask rasters.",
    )
)
register(
    Layer(
        slug="fire-events",
        title_vi="Đám cháy",
        title_en="Fire events",
        theme="fire",
        model="fire.FireEvent",
        geometry_type="Polygon",
        public_fields=(
            "status",
            "first_seen",
            "last_seen",
            "hotspot_count",
            "max_frp",
            "max_confidence",
            "in_forest",
            "commune",
            "nearest_village",
            "village_distance_m",
            "alert_state",
            "alerted_at",
        ),
        # Verification notes, causes and photos stay behind the rangers' API (/api/fire/), not in the layer.
        time_field="last_seen",
        filter_fields=("status", "alert_state", "in_forest", "commune", "max_confidence"),
        ordering_fields=("last_seen", "first_seen", "hotspot_count", "max_frp"),
        style={
            "color": "#b71c1c",
            "weight": 2,
            "fillColor": "#e53935",
            "fillOpacity": 0.35,
            "byStatus": {"new": "#d50000", "active": "#ff6d00", "out": "#757575"},
        },
        read_roles=frozenset({roles.RANGER}),
        edit_roles=frozenset(),
        description_vi="Điểm cháy gom theo không gian và thời gian; cảnh báo và xử lý của kiểm lâm.",
        description_en="Hotspots clustered in space and time; alerts and the rangers' handling of them.",
    )
)
register(
    Layer(
        slug="burned-areas",
        title_vi="Diện tích bị cháy",
        title_en="Burned areas",
        theme="fire",
        model="fire.BurnedArea",
        geometry_type="MultiPolygon",
        public_fields=("source", "burn_date", "area_ha", "pixel_count"),
        time_field="burn_date",
        filter_fields=("source",),
        ordering_fields=("burn_date", "area_ha"),
        style={"color": "#4e342e", "weight": 1, "fillColor": "#6d4c41", "fillOpacity": 0.5},
        read_roles=frozenset({roles.RANGER}),
        edit_roles=frozenset(),
        description_vi="Vùng cháy theo ngày từ sản phẩm MODIS MCD64A1.",
        description_en="Burned areas by date from the MODIS MCD64A1 product.",
    )
)
