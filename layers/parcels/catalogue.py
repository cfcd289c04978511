"""Layers of the parcels theme."""

from layers import roles
from layers.registry import Layer, register

register(
    Layer(
        slug="parcels",
        title_vi="Thửa đất đô thị",
        title_en="Urban parcels",
        theme="parcels",
        model="parcels.Parcel",
        geometry_type="MultiPolygon",
        public_fields=(
            "map_sheet",
            "parcel_number",
            "land_use_code",
            "area_m2",
            "declared_area_m2",
            "area_mismatch",
            "address",
            "legal_status",
            "commune",
            "version",
            "updated_at",
        ),
        private_fields=("holder_name",),
        time_field="updated_at",
        filter_fields=("map_sheet", "parcel_number", "land_use_code"),
        ordering_fields=("map_sheet", "parcel_number", "area_m2", "updated_at"),
        label_field="parcel_number",
        style={"color": "#6d4c41", "weight": 0.8, "fillColor": "#ffe0b2", "fillOpacity": 0.4},
        read_roles=frozenset({roles.URBAN_STAFF}),
        edit_roles=frozenset({roles.URBAN_STAFF}),
        prefer_tiles=True,
        min_zoom=13,
        # Tiles read the stored web-Mercator copy (a generated column) and carry the label only:
        # the style is the same for every parcel; popups fetch the rest by id.
        mercator_column="geom_3857",
        tile_fields=("parcel_number",),
        edit_page="/parcels/desk/?parcel={id}",
        write_rules="layers.parcels.services",
    )
)
