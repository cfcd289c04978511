"""Layers of the telecom theme."""

from layers import roles
from layers.registry import Layer, register

register(
    Layer(
        slug="cell-towers",
        title_vi="Trạm BTS",
        title_en="Cell towers",
        theme="telecom",
        model="telecom.CellTower",
        geometry_type="Point",
        public_fields=(
            "name",
            "operator",
            "technology",
            "antenna_height_m",
            "azimuth_deg",
            "beamwidth_deg",
            "band_mhz",
            "power_dbm",
            "gain_dbi",
            "status",
            "source",
            "approximate",
        ),
        private_fields=("cell_id",),
        filter_fields=("operator", "technology", "status", "source"),
        ordering_fields=("operator", "technology", "antenna_height_m"),
        label_field="name",
        style={"color": "#8e24aa", "radius": 6, "fillColor": "#ce93d8", "fillOpacity": 0.9},
        read_roles=frozenset({roles.PLANNER}),
        edit_roles=frozenset({roles.PLANNER}),
    )
)
register(
    Layer(
        slug="coverage-gaps",
        title_vi="Vùng lõm sóng",
        title_en="Mobile coverage gaps",
        theme="telecom",
        model="telecom.CoverageGap",
        geometry_type="MultiPolygon",
        public_fields=("operator", "technology", "severity", "method", "computed_at", "population", "reason"),
        time_field="computed_at",
        filter_fields=("operator", "technology", "severity"),
        ordering_fields=("computed_at", "population"),
        style={"color": "#c62828", "weight": 1, "fillColor": "#ef5350", "fillOpacity": 0.35},
        read_roles=frozenset({roles.PLANNER}),
        edit_roles=frozenset({roles.PLANNER}),
    )
)
register(
    Layer(
        slug="wifi-points",
        title_vi="Điểm Wi-Fi công cộng",
        title_en="Public Wi-Fi points",
        theme="telecom",
        model="telecom.WifiPoint",
        geometry_type="Point",
        public_fields=("name", "site_kind", "provider", "status", "range_m", "village"),
        filter_fields=("site_kind", "provider", "status"),
        ordering_fields=("name",),
        label_field="name",
        style={"color": "#00897b", "radius": 5, "fillColor": "#4db6ac", "fillOpacity": 0.9},
        read_roles=frozenset({roles.PLANNER}),
        edit_roles=frozenset({roles.PLANNER}),
    )
)
register(
    Layer(
        slug="signal-measurements",
        title_vi="Đo kiểm cường độ sóng",
        title_en="Signal measurements",
        theme="telecom",
        model="telecom.SignalMeasurement",
        geometry_type="Point",
        public_fields=("operator", "technology", "dbm", "measured_at", "source"),
        private_fields=("device",),
        time_field="measured_at",
        filter_fields=("operator", "technology", "source"),
        ordering_fields=("measured_at", "dbm"),
        style={"color": "#5e35b1", "radius": 3, "fillColor": "#b39ddb", "fillOpacity": 0.9},
        read_roles=frozenset({roles.PLANNER}),
        edit_roles=frozenset({roles.PLANNER}),
        public=False,
    )
)
