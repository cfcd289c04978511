"""The rangers' JSON API: open alerts, one event with its history, workflow steps, response times."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from geoplatform.errors import Forbidden

from . import notify, workflow
from .models import FireEvent

STATE_FILTERS = {
    "open": FireEvent.OPEN_ALERT_STATES,
    "closed": ("verified", "closed"),
    "all": ("new", "acknowledged", "dispatched", "verified", "closed"),
}


def _require_ranger(request) -> None:
    if not workflow.can_act(request.user):
        raise Forbidden(gettext("Chỉ kiểm lâm, điều hành viên và quản trị viên mới dùng được API cảnh báo cháy."))


def event_json(event: FireEvent, *, history: bool = False) -> dict:
    """An event as the ranger panel shows it."""
    data = notify.event_summary(event)
    data.update(
        alerted_at=event.alerted_at.isoformat() if event.alerted_at else None,
        verdict=event.verdict,
        cause=event.cause,
        burned_area_ha=event.burned_area_ha,
        verification_note=event.verification_note,
        photo=event.photo.url if event.photo else None,
        next_action=next((a for a, (src, _, _) in workflow.ACTIONS.items() if src == event.alert_state), None),
    )
    if history:
        data["history"] = [
            {
                "from": a.from_state,
                "to": a.to_state,
                "user": a.user.get_username() if a.user else None,
                "at": a.at.isoformat(),
                "note": a.note,
            }  # fmt: skip
            for a in event.actions.select_related("user")
        ]
    return data


class AlertList(APIView):
    """Alerted events, open ones by default (?state=open|closed|all)."""

    @extend_schema(responses=OpenApiTypes.OBJECT, tags=["fire"])
    def get(self, request):
        _require_ranger(request)
        states = STATE_FILTERS.get(request.query_params.get("state", "open"), FireEvent.OPEN_ALERT_STATES)
        events = (
            FireEvent.objects.filter(alert_state__in=states, merged_into__isnull=True)
            .select_related("commune", "nearest_village")
            .order_by("-alerted_at")[:500]
        )
        return Response({"alerts": [event_json(e) for e in events]})


class EventDetail(APIView):
    """One event with its workflow history."""

    @extend_schema(responses=OpenApiTypes.OBJECT, tags=["fire"])
    def get(self, request, pk: int):
        _require_ranger(request)
        event = get_object_or_404(FireEvent.objects.select_related("commune", "nearest_village"), pk=pk)
        return Response(event_json(event, history=True))


class EventAct(APIView):
    """One workflow step: acknowledge, dispatch, verify (verdict, cause, burned_area_ha, note, photo), close."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, tags=["fire"])
    def post(self, request, pk: int, action: str):
        data = request.data
        if not hasattr(data, "get"):  # a JSON body that is not an object (e.g. 121) is a 400, not a 500
            raise ParseError(gettext("Nội dung gửi lên phải là một đối tượng JSON."))
        event = workflow.act(
            pk,
            action,
            request.user,
            note=str(data.get("note", ""))[:5000],
            verdict=str(data.get("verdict", "")),
            cause=str(data.get("cause", "")),
            burned_area_ha=data.get("burned_area_ha"),
            photo=request.FILES.get("photo"),
        )
        return Response(event_json(event, history=True))


class ResponseTimes(APIView):
    """Minutes from alert to each workflow step."""

    @extend_schema(responses=OpenApiTypes.OBJECT, tags=["fire"])
    def get(self, request):
        _require_ranger(request)
        return Response(workflow.response_times())
