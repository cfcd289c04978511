"""The rangers' alert panel page: open alerts with the next workflow step as a button."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from geoplatform.errors import Forbidden

from . import api, workflow
from .models import FireEvent


@login_required
def alerts(request):
    """Alerts not yet closed, newest first, each with its next step, and the response-time figures."""
    if not workflow.can_act(request.user):
        raise Forbidden("rangers, operators and administrators only")
    events = (
        FireEvent.objects.filter(alert_state__in=workflow.PENDING_STATES, merged_into__isnull=True)
        .select_related("commune", "nearest_village")
        .order_by("-alerted_at")[:200]
    )
    rows = []
    for event in events:
        row = api.event_json(event)
        row.update(
            last_seen_local=timezone.localtime(event.last_seen),
            state_label=event.get_alert_state_display(),
            next_label=workflow.ACTION_LABELS.get(row["next_action"], row["next_action"]),
        )
        rows.append(row)
    return render(request, "fire/alerts.html", {"alerts": rows, "figures": workflow.response_times()})


@login_required
@require_POST
def act(request, pk: int, action: str):
    """Apply a workflow step from the panel's form, then back to the panel."""
    workflow.act(
        pk,
        action,
        request.user,
        note=request.POST.get("note", "")[:5000],
        verdict=request.POST.get("verdict", ""),
        cause=request.POST.get("cause", ""),
        burned_area_ha=request.POST.get("burned_area_ha") or None,
        photo=request.FILES.get("photo"),
    )
    return redirect("fire:alerts")


@login_required
def event(request, pk: int):
    """The link in alert mails and webhooks: the map framed on the event, its footprint and hotspots shown."""
    found = get_object_or_404(FireEvent, pk=pk)
    west, south, east, north = found.geom.extent
    pad = 0.01  # about a kilometre, so the nearest village is in view
    box = f"{west - pad:.5f},{south - pad:.5f},{east + pad:.5f},{north + pad:.5f}"
    return redirect(f"/map/?layers=fire-events,fire-hotspots&bbox={box}")
