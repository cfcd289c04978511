"""The rangers' pages: alert cards, one alert with its history and map, each workflow step with its form."""

from datetime import timedelta

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from geoplatform.errors import Conflict, Forbidden, NotFound, PlatformError
from layers.web import basemap

from . import display, forms, workflow
from .models import FireEvent

# Closed alerts listed under the open ones, so a ranger finds the one just closed and its history.
RECENT = timedelta(days=30)


def _require_ranger(request) -> None:
    # Anonymous people get the site's error page with a log-in link (the mail link may be opened logged out).
    if not workflow.can_act(request.user):
        raise Forbidden(_("Trang này dành cho kiểm lâm, điều hành viên và quản trị viên."))


def _event(pk: int) -> FireEvent:
    return get_object_or_404(FireEvent.objects.select_related("commune", "nearest_village"), pk=pk)


def _back(request, pk: int) -> str:
    """Where to go after a step: the fire page that sent the ranger here, else the alert's page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return target if safe and target.startswith("/fire/") else reverse("fire:event", args=[pk])


@require_GET
def alerts(request):
    """Alerts not yet closed as cards, newest first, each with its next step, and the response times."""
    _require_ranger(request)
    events = (
        FireEvent.objects.filter(alert_state__in=workflow.PENDING_STATES, merged_into__isnull=True)
        .select_related("commune", "nearest_village")
        .order_by("-alerted_at")[:200]
    )
    recent = (
        FireEvent.objects.filter(alert_state="closed", merged_into__isnull=True, closed_at__gte=timezone.now() - RECENT)
        .select_related("commune", "nearest_village")
        .order_by("-closed_at")[:10]
    )
    context = {
        "cards": [display.card(e) for e in events],
        "recent": [display.card(e) for e in recent],
        "figures": (figures := workflow.response_times()),
        "times": display.response_times(figures),
        "back": reverse("fire:alerts"),
    }
    return render(request, "fire/alerts.html", context)


@require_GET
def event(request, pk: int):
    """One alert (the link in alert mails): facts, a small map, the next step and the history."""
    _require_ranger(request)
    found = _event(pk)
    context = {
        "c": display.card(found),
        "history": display.history(found),
        "map_data": display.map_data(found),
        "basemap": basemap.client_config(),
        "merged_into": found.merged_into_id,
        "back": reverse("fire:event", args=[pk]),
        "open_note": True,
    }
    return render(request, "fire/event.html", context)


@require_GET
def event_map(request, pk: int):
    """The district map framed on the event, its footprint and hotspots shown."""
    _require_ranger(request)
    found = _event(pk)
    return redirect(f"{reverse('web:map')}?layers=fire-events,fire-hotspots&bbox={display.map_bbox(found)}")


@require_GET
def photo(request, pk: int):
    """The verification photo, to rangers only (it may show people and places)."""
    _require_ranger(request)
    found = _event(pk)
    if not found.photo:
        raise NotFound(_("Cảnh báo này không có ảnh."))
    response = FileResponse(found.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"  # never kept by a shared cache
    return response


@require_http_methods(["GET", "POST"])
def act(request, pk: int, action: str):
    """A workflow step: its form (or the confirmation before closing), then the step with a message."""
    _require_ranger(request)
    if action not in workflow.ACTIONS:
        raise NotFound(_("Không có bước xử lý này."))
    found = _event(pk)
    back = _back(request, pk)
    source = workflow.ACTIONS[action][0]
    form_class = forms.form_for(action)
    if request.method == "GET":
        if found.alert_state != source:
            messages.error(request, workflow.wrong_step(found, action, source))
            return redirect("fire:event", pk=pk)
        return _step_page(request, found, action, form_class(auto_id="id_%s"), back)
    form = form_class(request.POST, request.FILES, auto_id="id_%s")
    if form.is_valid():
        data = form.cleaned_data
        area = data.get("burned_area_ha")
        try:
            workflow.act(
                pk,
                action,
                request.user,
                note=data.get("note", ""),
                verdict=data.get("verdict", ""),
                cause=data.get("cause", ""),
                burned_area_ha=str(area) if area is not None else None,
                photo=data.get("photo"),
            )
        except Conflict as exc:
            # A second tap, or a colleague took the step first: say so on the alert's own page.
            messages.error(request, exc.message)
            return redirect("fire:event", pk=pk)
        except PlatformError as exc:
            if exc.status in (401, 403, 404):
                raise
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, capfirst(workflow.DONE_MESSAGES[action] % {"name": display.name(found)}))
            return redirect(back)
    messages.error(request, _summary(form))
    return _step_page(request, found, action, form, back, status=400)


def _summary(form) -> str:
    """One line naming each field at fault, for the message at the top of the page."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}: {text}" if label else text)
    return _("Chưa lưu. %(problems)s") % {"problems": " ".join(parts)}


def _step_page(request, found: FireEvent, action: str, form, back: str, status: int = 200):
    context = {
        "c": display.card(found),
        "action": action,
        "label": workflow.ACTION_LABELS[action],
        "form": form,
        "back": back,
    }
    return render(request, "fire/step.html", context, status=status)
