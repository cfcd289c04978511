"""The ranger workflow of an alerted event: new -> acknowledged -> dispatched -> verified -> closed."""

from __future__ import annotations

import io
import math
import statistics
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from geoplatform.errors import Conflict, Forbidden, NotFound, PlatformError, TooLarge
from layers import roles

from .models import EventAction, FireEvent

ACTIONS = {
    # action name: (from state, to state, timestamp field)
    "acknowledge": ("new", "acknowledged", "acknowledged_at"),
    "dispatch": ("acknowledged", "dispatched", "dispatched_at"),
    "verify": ("dispatched", "verified", "verified_at"),
    "close": ("verified", "closed", "closed_at"),
}
ACTION_LABELS = {
    "acknowledge": _("Tiếp nhận"),
    "dispatch": _("Điều động"),
    "verify": _("Xác minh"),
    "close": _("Đóng cảnh báo"),
}
# The alert states in words: the model's own choices.
STATE_LABELS = dict(FireEvent.ALERT_CHOICES)
# What the ranger is told once a step is saved (%(name)s: the alert as a person names it).
DONE_MESSAGES = {
    "acknowledge": _("Đã tiếp nhận %(name)s. Bước tiếp theo: điều động lực lượng."),
    "dispatch": _("Đã điều động lực lượng đến %(name)s. Bước tiếp theo: xác minh tại hiện trường."),
    "verify": _("Đã lưu kết quả xác minh %(name)s. Bước cuối: đóng cảnh báo."),
    "close": _("Đã đóng %(name)s."),
}
VERDICT_CHOICES = [("true_fire", _("Cháy thật")), ("false_alarm", _("Báo động giả"))]
# Alerts a ranger still has to act on: everything before closed (a verified alert waits to be closed).
PENDING_STATES = tuple(source for source, _target, _stamp in ACTIONS.values())
ACTING_ROLES = frozenset({roles.RANGER, roles.OPERATOR, roles.ADMIN})
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000


class WorkflowError(PlatformError):
    """A workflow step with bad values."""

    code = "fire_workflow"


def can_act(user) -> bool:
    """Whether this user may move alerts along the workflow."""
    return bool(roles.of(user) & ACTING_ROLES)


def act(event_id: int, action: str, user, *, note: str = "", verdict: str = "", cause: str = "",
        burned_area_ha=None, photo=None) -> FireEvent:  # fmt: skip
    """Apply one workflow step, recording who and when; a step out of order is a 409."""
    if not can_act(user):
        raise Forbidden(gettext("Chỉ kiểm lâm, điều hành viên và quản trị viên mới xử lý được cảnh báo cháy."))
    if action not in ACTIONS:
        raise WorkflowError(gettext("Không có bước xử lý này."), field="action")
    source, target, stamp = ACTIONS[action]
    fields = _verification(verdict, cause, burned_area_ha) if action == "verify" else {}
    image = _photo(photo) if (action == "verify" and photo is not None) else None
    with transaction.atomic():
        event = FireEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            raise NotFound(gettext("Không tìm thấy đám cháy này."))
        if event.alert_state != source:
            raise Conflict(wrong_step(event, action, source), field="action")
        now = timezone.now()
        event.alert_state = target
        setattr(event, stamp, now)
        for name, value in fields.items():
            setattr(event, name, value)
        if note and action == "verify":
            event.verification_note = note
        if image is not None:
            event.photo.save(f"event-{event.pk}-{uuid.uuid4().hex[:8]}.jpg", image, save=False)
        event.save()
        EventAction.objects.create(event=event, from_state=source, to_state=target, user=user, note=note)
    return event


def wrong_step(event: FireEvent, action: str, source: str) -> str:
    """Why a step cannot be taken now, in words (a second tap, or a colleague acted first)."""
    return gettext(
        "Cảnh báo #%(id)s đang ở trạng thái “%(state)s”: không thể “%(action)s” (cần trạng thái “%(needed)s”)."
    ) % {
        "id": event.pk,
        "state": STATE_LABELS.get(event.alert_state, event.alert_state),
        "action": ACTION_LABELS[action],
        "needed": STATE_LABELS.get(source, source),
    }


def _verification(verdict: str, cause: str, burned_area_ha) -> dict:
    if verdict not in dict(VERDICT_CHOICES):
        raise WorkflowError(gettext("Kết luận: chọn “Cháy thật” hoặc “Báo động giả”."), field="verdict")
    area = None
    if burned_area_ha not in (None, ""):
        try:
            area = float(burned_area_ha)
        except (TypeError, ValueError) as exc:
            raise WorkflowError(gettext("Diện tích cháy phải là một số (ha)."), field="burned_area_ha") from exc
        if not math.isfinite(area) or area < 0 or area > 1_000_000:
            raise WorkflowError(gettext("Diện tích cháy phải từ 0 đến 1.000.000 ha."), field="burned_area_ha")
    return {"verdict": verdict, "cause": (cause or "")[:200], "burned_area_ha": area}


def _photo(upload) -> ContentFile:
    """A photo checked by decoding it (JPEG/PNG/WebP only, bounded) and re-encoded without EXIF."""
    from PIL import Image, UnidentifiedImageError

    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise TooLarge(gettext("Ảnh lớn hơn %(mb)s MB.") % {"mb": MAX_PHOTO_BYTES // (1024 * 1024)}, field="photo")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP"):
                raise WorkflowError(gettext("Ảnh phải là JPEG, PNG hoặc WebP."), field="photo")
            if probe.width * probe.height > MAX_PHOTO_PIXELS:
                raise TooLarge(gettext("Ảnh có quá nhiều điểm ảnh."), field="photo")
            image = probe.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise WorkflowError(gettext("Tệp ảnh không đọc được."), field="photo") from exc
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)  # a fresh file: no EXIF, no trailing payload
    return ContentFile(out.getvalue())


def response_times(events=None) -> dict:
    """Minutes from alert to each step (count, median, mean) over alerted events."""
    events = FireEvent.objects.filter(alerted_at__isnull=False) if events is None else events
    rows = list(events.values("alerted_at", "acknowledged_at", "dispatched_at", "verified_at", "closed_at"))
    figures = {"alerts": len(rows)}
    for step in ("acknowledged_at", "dispatched_at", "verified_at", "closed_at"):
        minutes = [(r[step] - r["alerted_at"]).total_seconds() / 60 for r in rows if r[step]]
        figures[step.removesuffix("_at")] = {
            "count": len(minutes),
            "median_min": round(statistics.median(minutes), 1) if minutes else None,
            "mean_min": round(statistics.fmean(minutes), 1) if minutes else None,
        }
    return figures
