"""What a portal embed may show: public layers and public fields only, and who may frame it."""

import re

from django.conf import settings
from django.utils.translation import gettext

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
            "min_zoom": layer.min_zoom,
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


def allowed_origins() -> dict:
    """The sites that may frame an embed (settings.EMBED_ALLOWED_ORIGINS), and the entries ignored as not origins."""
    allowed, ignored = [], []
    for entry in settings.EMBED_ALLOWED_ORIGINS:
        origin = entry.strip().rstrip("/")
        if not origin:
            continue
        (allowed if ORIGIN.match(origin) else ignored).append(origin)
    return {"allowed": allowed, "ignored": ignored}


def frame_ancestors() -> str:
    """The CSP header value: this site and the configured portal origins may frame an embed."""
    return "frame-ancestors " + " ".join(["'self'", *allowed_origins()["allowed"]])


def builder_texts(max_zoom: int) -> dict:
    """The builder's words in the active language: each field's error, said next to it, and the status lines."""
    return {
        # The same rules as layers.web.viewparams, which the embed applies to what the builder writes.
        "errors": {
            "bboxCount": gettext("Cần 4 số cách nhau bằng dấu phẩy: tây,nam,đông,bắc (kinh độ, vĩ độ)."),
            "bboxSwapped": gettext("Có vẻ vĩ độ được ghi trước kinh độ: thứ tự là tây,nam,đông,bắc."),
            "bboxOrder": gettext(
                "Tây phải nhỏ hơn đông và nam nhỏ hơn bắc; kinh độ từ -180 đến 180, vĩ độ từ -90 đến 90."
            ),
            "centerCount": gettext("Cần 2 số cách nhau bằng dấu phẩy: vĩ độ,kinh độ."),
            "centerRange": gettext("Vĩ độ từ -90 đến 90, kinh độ từ -180 đến 180."),
            "zoom": gettext("Mức phóng là số nguyên từ 0 đến %(max)s.") % {"max": max_zoom},
            "size": gettext("Kích thước là số nguyên từ 200 đến 2000 px."),
            "timeOrder": gettext("Thời điểm bắt đầu phải trước thời điểm kết thúc."),
        },
        "strings": {
            "noCode": gettext("Chưa có mã nhúng: hãy sửa ô báo lỗi ở trên."),
            "copied": gettext("Đã chép mã nhúng vào bộ nhớ tạm."),
            "copyFailed": gettext("Không chép được: hãy chọn mã và chép bằng tay (Ctrl+C)."),
            "viewTaken": gettext("Đã lấy khung nhìn từ bản đồ."),
            "frameTitle": gettext("Bản đồ Bắc Trà My"),
        },
    }
