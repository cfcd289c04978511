"""The handling workflow: received -> acknowledged -> in progress -> resolved, or rejected -> closed.

Every step is one transaction that writes the status, a note (public answers are shown to the
reporter, internal ones never), and the outbox events it announces.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import deadline_rules, outbox
from .errors import InvalidReport, TransitionRefused
from .models import OPEN_STATUSES, Complaint, Note

# action -> (statuses it may start from, status it leads to)
ACTIONS = {
    "acknowledge": (("received",), "acknowledged"),
    "start": (("received", "acknowledged"), "in_progress"),
    "resolve": (("acknowledged", "in_progress"), "resolved"),
    "reject": (("received", "acknowledged", "in_progress"), "rejected"),
    "close": (("resolved", "rejected"), "closed"),
    "reopen": (("resolved", "rejected", "closed"), "in_progress"),
}
# Steps whose note is the answer to the citizen: a public text is required.
ANSWERS = {"resolve", "reject"}
# What an officer reads for each action (the codes stay for the API and the database).
ACTION_LABELS = {
    "acknowledge": gettext_lazy("Xác nhận đã tiếp nhận"),
    "start": gettext_lazy("Bắt đầu xử lý"),
    "resolve": gettext_lazy("Đã giải quyết xong"),
    "reject": gettext_lazy("Từ chối phản ánh"),
    "close": gettext_lazy("Đóng phản ánh"),
    "reopen": gettext_lazy("Mở lại"),
}


def allowed_actions(complaint: Complaint) -> list[str]:
    """The actions possible from the complaint's current status."""
    return [name for name, (sources, _target) in ACTIONS.items() if complaint.status in sources]


def act(
    complaint_id: int,
    action: str,
    user=None,
    *,
    note: str = "",
    public: bool = True,
    reason: str = "",
    duplicate_of: str = "",
    now=None,
) -> Complaint:
    """Apply one workflow action (with its note) to a complaint; refused steps raise TransitionRefused."""
    if action not in ACTIONS:
        raise TransitionRefused(
            _("Thao tác không được nhận: %(action)s") % {"action": repr(action[:40])}, field="action"
        )
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > 4000:
        raise InvalidReport(_("Ghi chú tối đa 4.000 ký tự."), field="note")
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
        sources, target = ACTIONS[action]
        if complaint.status not in sources:
            message = _("Không thể “%(action)s” khi phản ánh đang ở trạng thái “%(status)s”.")
            labels = {"action": ACTION_LABELS[action], "status": complaint.get_status_display()}
            raise TransitionRefused(message % labels, field="action")
        if action in ANSWERS and not note:
            raise InvalidReport(_("Cần trả lời công khai cho người phản ánh."), field="note")
        if action in ANSWERS:
            public = True
        if action == "reject":
            _apply_rejection(complaint, reason, duplicate_of)
        if action == "reopen":
            complaint.rejection_reason = ""
            complaint.duplicate_of = None
            complaint.resolved_at = None
            complaint.escalated_at = None
            # A reopened report gets a fresh clock of its category.
            complaint.expected_at = deadline_rules.expected_for(complaint.category, now)
        if target == "acknowledged" or (target == "in_progress" and complaint.acknowledged_at is None):
            complaint.acknowledged_at = complaint.acknowledged_at or now
        if target in ("resolved", "rejected"):
            complaint.resolved_at = now
        previous = complaint.status
        complaint.status = target
        complaint.updated_at = now
        complaint.save()
        Note.objects.create(
            complaint=complaint,
            author=user if getattr(user, "is_authenticated", False) else None,
            public=public,
            text=note,
            status_from=previous,
            status_to=target,
            created_at=now,
        )
        if action in ANSWERS:
            outbox.record("complaint.answered", complaint, status=target)
    return complaint


def _apply_rejection(complaint: Complaint, reason: str, duplicate_of: str) -> None:
    if reason not in dict(Complaint.REJECTION_CHOICES):
        raise InvalidReport(_("Chọn lý do từ chối: không thuộc thẩm quyền hoặc trùng lặp."), field="reason")
    complaint.rejection_reason = reason
    if reason == "duplicate":
        original = Complaint.objects.filter(tracking_code=(duplicate_of or "").strip().upper()).first()
        if original is None or original.pk == complaint.pk:
            raise InvalidReport(_("Phản ánh trùng lặp cần mã của phản ánh gốc."), field="duplicate_of")
        if original.rejection_reason == "duplicate":
            raise InvalidReport(_("Phản ánh gốc không được là một phản ánh trùng lặp."), field="duplicate_of")
        complaint.duplicate_of = original


def add_note(complaint_id: int, user, text: str, public: bool) -> Note:
    """A note without a status change (public answers show on the tracking page)."""
    text = (text or "").strip()
    if not text or len(text) > 4000:
        raise InvalidReport(_("Ghi chú từ 1 đến 4.000 ký tự."), field="note")
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
        complaint.updated_at = timezone.now()
        complaint.save(update_fields=["updated_at"])
        return Note.objects.create(complaint=complaint, author=user, public=public, text=text)


def respond(
    complaint_id: int,
    user,
    *,
    action: str = "",
    answer: str = "",
    internal: str = "",
    reason: str = "",
    duplicate_of: str = "",
) -> Complaint:
    """One officer's step: an optional action, a public answer and an internal note, all or nothing.

    The answer (if any) is the action's note and is public; the internal note is never shown to the
    reporter. Without an action each text is stored as a note of its own kind.
    """
    answer, internal = (answer or "").strip(), (internal or "").strip()
    if not (action or answer or internal):
        raise InvalidReport(_("Chọn một thao tác, hoặc viết trả lời hay ghi chú."), field="action")
    if action in ANSWERS and not answer:
        # Checked here, before act(): act() makes an answer step's note public, and an internal note must never be.
        raise InvalidReport(_("Cần trả lời công khai cho người phản ánh."), field="answer")
    with transaction.atomic():
        if action:
            note, public = (answer, True) if answer else (internal, False)
            act(complaint_id, action, user, note=note, public=public, reason=reason, duplicate_of=duplicate_of)
            if answer and internal:
                add_note(complaint_id, user, internal, public=False)
        else:
            if internal:
                add_note(complaint_id, user, internal, public=False)
            if answer:
                add_note(complaint_id, user, answer, public=True)
    return Complaint.objects.get(pk=complaint_id)


def bulk_acknowledge(ids: list[int], user) -> int:
    """Acknowledge every listed report still "received"; the others are left as they are."""
    done = 0
    for pk in Complaint.objects.filter(pk__in=ids, status="received").values_list("pk", flat=True):
        try:
            act(pk, "acknowledge", user, note="", public=False)
            done += 1
        except TransitionRefused:
            continue  # changed by someone else meanwhile
    return done


def escalate_overdue(now=None) -> int:
    """Flag each open report past its deadline once and tell the operators (through the outbox)."""
    now = now or timezone.now()
    count = 0
    overdue = Complaint.objects.filter(status__in=OPEN_STATUSES, expected_at__lt=now, escalated_at__isnull=True)
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().get(pk=pk)
            if complaint.escalated_at is not None or not complaint.is_overdue(now):
                continue
            complaint.escalated_at = now
            complaint.save(update_fields=["escalated_at"])
            outbox.record("complaint.overdue", complaint, expected_at=complaint.expected_at.isoformat())
            count += 1
    return count
