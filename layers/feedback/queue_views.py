"""The officers' pages: queue (list + map), one complaint with its actions, bulk acknowledge, CSV, stats."""

from __future__ import annotations

import re
from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from geoplatform.errors import Forbidden, NotFound, PlatformError
from layers import roles
from layers.web import basemap

from . import export, formerrors, intake, picker, stats, workflow
from .forms import RespondForm
from .models import CLOSED_STATUSES, Category, Complaint

OFFICER_ROLES = frozenset({roles.FEEDBACK_OFFICER}) | roles.READ_ALL


def officer_required(view):
    """Feedback officers, operators and admins only; anonymous users are sent to log in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles.of(request.user) & OFFICER_ROLES:
            raise Forbidden(_("Trang này dành cho cán bộ tiếp nhận phản ánh."))
        return view(request, *args, **kwargs)

    return wrapper


def filtered(params, now=None):
    """The complaints matching the queue's filters (status, category, commune, overdue, code)."""
    now = now or timezone.now()
    qs = Complaint.objects.select_related("commune").order_by("expected_at", "created_at")
    status = params.get("status", "open")
    if status == "open":
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    elif status in dict(Complaint.STATUS_CHOICES):
        qs = qs.filter(status=status)
    if params.get("category"):
        # Unknown codes (or text no code has, like a NUL) simply match nothing.
        code = params["category"]
        qs = qs.filter(category=code) if intake.CODE.fullmatch(code) else qs.none()
    if params.get("commune", "").isdigit():
        qs = qs.filter(commune_id=int(params["commune"]))
    if params.get("overdue") == "1":
        qs = qs.exclude(status__in=CLOSED_STATUSES).filter(expected_at__lt=now)
    if params.get("q"):
        code = re.sub(r"[^A-Za-z0-9-]", "", params["q"])[:20]
        qs = qs.filter(tracking_code__icontains=code) if code else qs.none()
    return qs


@officer_required
@require_GET
def queue(request):
    """The officer's queue: filters, a list with bulk acknowledge, and a map."""
    page = Paginator(filtered(request.GET), 50).get_page(request.GET.get("page"))
    language = get_language() or "vi"
    names = {c.code: c.name(language) for c in Category.objects.all()}
    for complaint in page:
        complaint.category_name = names.get(complaint.category, complaint.category)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "now": timezone.now(),
        "categories": Category.objects.all(),
        "communes": picker.communes(),
        "statuses": Complaint.STATUS_CHOICES,
        "params": request.GET,
        "query": params.urlencode(),
        "basemap": basemap.client_config(),
    }
    return render(request, "feedback/queue.html", context)


@officer_required
@require_GET
def queue_geojson(request):
    """The filtered queue as GeoJSON for the map (officers only; contact left out all the same)."""
    now = timezone.now()
    language = get_language() or "vi"
    names = {c.code: c.name(language) for c in Category.objects.all()}
    statuses = dict(Complaint.STATUS_CHOICES)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [c.geom.x, c.geom.y]},
            "properties": {
                "tracking_code": c.tracking_code,
                "category": c.category,
                "category_name": names.get(c.category, c.category),
                "status": c.status,
                "status_name": str(statuses.get(c.status, c.status)),
                "overdue": c.is_overdue(now),
                "description": c.description[:300],
            },
        }
        for c in filtered(request.GET, now)[:2000]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features}, json_dumps_params={"ensure_ascii": False})


@officer_required
@require_POST
def bulk_acknowledge(request):
    """Acknowledge the ticked reports."""
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()][:500]
    done = workflow.bulk_acknowledge(ids, request.user)
    text = ngettext("Đã xác nhận %(n)d phản ánh.", "Đã xác nhận %(n)d phản ánh.", done)
    messages.success(request, text % {"n": done})
    return redirect(
        request.POST.get("next") if str(request.POST.get("next", "")).startswith("/feedback/") else "feedback:queue"
    )


@officer_required
def detail(request, code: str):
    """One complaint for officers: everything incl. reporter contact and internal notes, its map and one step form."""
    complaint = None
    if intake.TRACKING.fullmatch(code):
        related = ("commune", "office", "duplicate_of")
        complaint = Complaint.objects.select_related(*related).filter(tracking_code=code).first()
    if complaint is None:
        raise NotFound(_("Không tìm thấy phản ánh."))
    actions = workflow.allowed_actions(complaint)
    form = RespondForm(actions=actions)
    status = 200
    if request.method == "POST":
        form = RespondForm(request.POST, actions=actions)
        if form.is_valid():
            d = form.cleaned_data
            try:
                workflow.respond(
                    complaint.pk,
                    request.user,
                    action=d["action"],
                    answer=d["answer"],
                    internal=d["internal"],
                    reason=d["reason"],
                    duplicate_of=d["duplicate_of"],
                )
            except PlatformError as exc:
                field = {"note": "answer"}.get(exc.field, exc.field)
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                # Said beside the history it changed (not in the header's messages, far from the form).
                url = reverse("feedback:detail", args=[complaint.tracking_code])
                return redirect(f"{url}?saved=1#history")
        status = 400
    context = {
        "complaint": complaint,
        "category": Category.objects.filter(code=complaint.category).first(),
        "notes": complaint.notes.select_related("author"),
        "status_names": dict(Complaint.STATUS_CHOICES),
        "photos": complaint.photos.all(),
        "form": form,
        "errors": formerrors.summary(form) if form.is_bound else [],
        "overdue": complaint.is_overdue(),
        "saved": request.method == "GET" and request.GET.get("saved") == "1",
        "basemap": basemap.client_config(),
    }
    return render(request, "feedback/detail.html", context, status=status)


@officer_required
@require_GET
def export_csv(request):
    """The filtered queue as CSV (formula cells neutralised)."""
    body = export.complaints_csv(filtered(request.GET), with_contact=True)
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="complaints.csv"'
    return response


@officer_required
@require_GET
def stats_page(request):
    """Statistics by commune, category and month with charts."""
    labels = {
        "by_month": _("Số phản ánh theo tháng"),
        "by_category": _("% đúng hạn theo lĩnh vực"),
        "by_commune": _("Số phản ánh theo xã"),
    }
    summary = stats.summary(language=get_language() or "vi")
    # The same commune order as the report form's picker, and months as a person writes them.
    summary["by_commune"] = sorted(summary["by_commune"], key=lambda r: picker.sort_key(r["key"]))
    for row in summary["by_month"]:
        row["name"] = _month(row["key"])
    return render(request, "feedback/stats.html", {"summary": summary, "chart_labels": labels})


def _month(key: str) -> str:
    """ "2026-10" as "10/2026" in Vietnamese, "Oct 2026" in English."""
    try:
        year, month = (int(part) for part in key.split("-"))
    except ValueError:
        return key
    return formats.date_format(date(year, month, 1), pgettext("month on the statistics page (date format)", "m/Y"))


@officer_required
@require_GET
def stats_json(request):
    """The statistics as JSON (the charts' data)."""
    return JsonResponse(stats.summary(language=get_language() or "vi"), json_dumps_params={"ensure_ascii": False})
