"""What a portal embed may show: public layers and public fields only, and who may frame it."""

import re

from django.conf import settings

from layers.registry import registry

from . import viewparams

# A CSP source expression for an origin: scheme://host[:port], nothing that could end the header value.
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


def public_layers(requested: list[str]) -> list[dict]:
    """The requested layers that are public, with their public fields only.

    A private or unknown layer asked for is dropped silently, so that an embed URL never reveals
    which private layers exist. With nothing requested, the public layers of the "places" theme.
    """
    chosen = [registry.get(slug) for slug in requested] if requested else registry.all()
    layers = [layer for layer in chosen if layer is not None and layer.public]
    if not requested:
        layers = [layer for layer in layers if layer.theme == "places"]
    return [
        {
            "slug": layer.slug,
            "title_vi": layer.title_vi,
            "title_en": layer.title_en,
            "theme": layer.theme,
            "geometry_type": layer.geometry_type,
            "fields": list(layer.public_fields),
            "time_field": layer.time_field,
            "label_field": layer.label_field if layer.label_field in layer.public_fields else None,
            "style": layer.style,
        }
        for layer in layers
    ]


def view_of(params) -> dict:
    """The checked view of an embed request: layers, bbox or center+zoom, time."""
    max_zoom = int(settings.LEAFLET_CONFIG.get("MAX_ZOOM", 18))
    return {
        "layers": public_layers(viewparams.slugs(params.get("layers"))),
        "bbox": viewparams.bbox(params.get("bbox")),
        "center": viewparams.center(params.get("center")),
        "zoom": viewparams.zoom(params.get("zoom"), max_zoom),
        "time": viewparams.time(params.get("time")),
    }


def frame_ancestors() -> str:
    """The CSP header value: this site and the configured portal origins may frame an embed."""
    origins = [o.rstrip("/") for o in settings.EMBED_ALLOWED_ORIGINS if ORIGIN.match(o.rstrip("/"))]
    return "frame-ancestors " + " ".join(["'self'", *origins])
