"""Layers of the feedback theme."""

from layers import roles
from layers.registry import Layer, register

register(
    Layer(
        slug="complaints",
        title_vi="Phản ánh kiến nghị",
        title_en="Citizen complaints",
        theme="feedback",
        model="feedback.Complaint",
        geometry_type="Point",
        public_fields=("tracking_code", "category", "description", "status", "created_at", "commune"),
        private_fields=("reporter_name", "reporter_phone", "reporter_email"),
        time_field="created_at",
        filter_fields=("category", "status", "commune"),
        ordering_fields=("created_at", "status"),
        label_field="tracking_code",
        style={"color": "#f9a825", "radius": 6, "fillColor": "#fdd835", "fillOpacity": 0.9},
        read_roles=frozenset({roles.FEEDBACK_OFFICER}),
        edit_roles=frozenset({roles.FEEDBACK_OFFICER}),
    )
)
