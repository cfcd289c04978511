"""Pages of the map, the dashboard and the embeds; they render templates and delegate to services."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from geoplatform.errors import Forbidden
from layers import roles
from layers.feedback.models import Complaint

from . import basemap, embeds, feeds, figures, navigation, panels, strings, viewparams


def _map_config(request, mode: str) -> dict:
    """Settings the map script needs, passed as JSON (never interpolated into script text)."""
    leaflet = settings.LEAFLET_CONFIG
    return {
        "mode": mode,
        "language": (get_language() or "vi")[:2],
        "catalogueUrl": "/api/layers/",
        "basemap": basemap.client_config(),
        "center": list(leaflet.get("DEFAULT_CENTER", (15.3, 108.18))),
        "zoom": leaflet.get("DEFAULT_ZOOM", 11),
        "minZoom": leaflet.get("MIN_ZOOM", 8),
        "maxZoom": basemap.max_zoom(),
        "districtBbox": _district_bbox(),
        "vectorGridUrl": static("vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js"),
        "reportUrl": _report_url(),
    }


def _report_url() -> str | None:
    """The citizen report form, where the map offers "report a problem here" (None without the feedback app)."""
    from django.urls import NoReverseMatch

    try:
        return reverse("feedback:report")
    except NoReverseMatch:
        return None


def _district_bbox() -> list[float]:
    """The loaded district's extent (the default view), else the configured box."""
    from django.contrib.gis.db.models import Extent

    from layers.places.models import District

    extent = District.objects.aggregate(extent=Extent("geom"))["extent"]
    return [round(v, 5) for v in extent] if extent else list(settings.DISTRICT_BBOX)


@require_safe
def map_page(request):
    """The full-screen operations map."""
    max_zoom = basemap.max_zoom()
    view = {
        "bbox": viewparams.bbox(request.GET.get("bbox")),
        "center": viewparams.center(request.GET.get("center")),
        "zoom": viewparams.zoom(request.GET.get("zoom"), max_zoom),
        "time": viewparams.time(request.GET.get("time")),
        "layers": viewparams.slugs(request.GET.get("layers")),
    }
    config = _map_config(request, "full") | {"view": view, "panels": panels.for_user(request.user)}
    context = {"config": config, "strings": strings.for_script(request.user), "panels": config["panels"]}
    return render(request, "web/map.html", context)


@require_safe
@xframe_options_exempt
def embed_page(request):
    """A minimal map for the district portal: public layers and public fields only."""
    view = embeds.view_of(request.GET)
    config = _map_config(request, "embed") | {"view": {**view, "layers": [layer["slug"] for layer in view["layers"]]}}
    config["embedLayers"] = view["layers"]
    response = render(request, "web/embed.html", {"config": config, "strings": strings.for_script(public_only=True)})
    response["Content-Security-Policy"] = embeds.frame_ancestors()
    return response


@require_safe
def embed_builder(request):
    """A form that writes the <iframe> code of a chosen embed view, and says which sites may frame it."""
    layers = embeds.public_layers([layer.slug for layer in _public_registry()])
    max_zoom = basemap.max_zoom()
    config = {
        "basemap": basemap.client_config(),
        "districtBbox": _district_bbox(),
        "maxZoom": max_zoom,
        **embeds.builder_texts(max_zoom),
    }
    context = {"layers": layers, "max_zoom": max_zoom, "origins": embeds.allowed_origins(), "config": config}
    return render(request, "web/embed_builder.html", context)


def _public_registry():
    from layers.registry import registry

    return [layer for layer in registry.all() if layer.public]


def _require_staff_role(user):
    if not roles.of(user) & navigation.DASHBOARD:
        raise Forbidden(gettext("Bảng điều hành chỉ dành cho cán bộ của Trung tâm điều hành."))


@login_required
@require_safe
def dashboard(request):
    """The leaders' one screen; figures are fetched from figures.json and refreshed every minute."""
    held = roles.of(request.user)
    if held and not held & navigation.DASHBOARD:
        return redirect(navigation.own_page(request.user))  # other staff work from their own page
    _require_staff_role(request.user)
    context = {
        "figures": figures.all_figures(),
        "links": dashboard_links(),
        "now": timezone.now(),
        "dashboard_strings": {
            "url": reverse("web:dashboard-figures"),
            "refreshSeconds": 60,
            "covered": gettext("Có sóng"),
            "uncovered": gettext("Không có sóng"),
            "hotspots": gettext("Điểm cháy"),
            "complaints": gettext("Phản ánh"),
            # The ingest model's labels are Vietnamese only: translated here.
            "status": feeds.status_labels(),
            "feeds": {
                "source": gettext("Nguồn"),
                "started": gettext("Lần nạp gần nhất"),
                "status": gettext("Trạng thái"),
                "rows": gettext("Mới / bị loại"),
                "details": gettext("Chi tiết"),
                "onMap": gettext("Xem trên bản đồ"),
                "lastSucceeded": gettext("thành công lần cuối"),
                "never": gettext("chưa lần nào thành công"),
                "runs": gettext("số lần nạp"),
                "empty": gettext("Chưa có lần nạp dữ liệu nào."),
            },
            "weekOf": gettext("Tuần từ"),
            "basis": {
                "run": gettext("3G/4G, lần tính phủ sóng"),
                "anyNetwork": gettext("mọi mạng kể cả 2G"),
                "gaps": gettext("theo lớp vùng lõm sóng"),
                "none": gettext("chưa tính vùng phủ sóng"),
            },
        },
    }
    return render(request, "web/dashboard.html", context)


def _map_link(models: list[str], **params) -> str:
    """/map/ showing the layers of these models, filtered by params."""
    slugs = [layer.slug for name in models if (layer := _layer_of(name))]
    return "/map/?" + urlencode({"layers": ",".join(slugs), **params}, safe=",")


def _layer_of(model_label: str):
    from layers.registry import registry

    return next((layer for layer in registry.all() if layer.model.lower() == model_label.lower()), None)


def dashboard_links() -> dict:
    """Each dashboard tile's link to the map filtered to what the tile counts."""
    open_states = [code for code, _ in Complaint.STATUS_CHOICES if code not in figures.CLOSED_COMPLAINT_STATES]
    if figures.fire_alerts()["basis"] == "events":
        fire = _map_link(["fire.FireEvent"], alert_state=",".join(figures.ACTIVE_ALERT_STATES))
    else:
        fire = _map_link(["fire.Hotspot"], time="24h")
    return {
        "coverage": _map_link(["places.Village", "telecom.CoverageGap"], severity="none"),
        "wifi": _map_link(["places.Village", "telecom.WifiPoint"], site_kind="cultural_house", status="active"),
        "fire": fire,
        "complaints": _map_link(["feedback.Complaint"], status=",".join(open_states)),
        "cameras": _map_link(["cameras.Camera"], status="offline"),
        "crossings": _map_link(["crossings.Crossing", "crossings.Road"]),
    }


@login_required
@require_safe
def dashboard_figures(request):
    """Every dashboard figure as JSON."""
    _require_staff_role(request.user)
    return JsonResponse(figures.all_figures(), json_dumps_params={"ensure_ascii": False})


@require_safe
def basemap_tile(request, z: str, x: str, y: str):
    """One PNG tile of the offline base map."""
    png = basemap.tile(int(z), int(x), int(y))
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response
