"""The operators' page of stuck work: dead letters with "retry", ingest runs whose worker died with "re-run"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from geoplatform.errors import Forbidden
from ingest import runs

from . import deadletters


def _require_operator(user):
    if not deadletters.may_see(user):
        raise Forbidden(gettext("Chỉ lãnh đạo IOC và quản trị viên xem được thư không gửi được."))


@login_required
@require_safe
def dead(request):
    """Every dead letter, newest first."""
    _require_operator(request.user)
    context = {"letters": deadletters.listing(200), "runs": runs.stuck(200)}
    return render(request, "delivery/dead.html", context)


@login_required
@require_POST
def retry(request, pk: int, source: str = "message"):
    """Send one dead letter again (a fresh set of attempts)."""
    _require_operator(request.user)
    if deadletters.retry(source, pk):
        messages.success(request, gettext("Đã xếp thông báo vào hàng gửi lại."))
    else:
        messages.info(request, gettext("Thông báo này không còn ở trạng thái ngừng gửi."))
    return redirect(request.POST.get("next") or "delivery:dead")


@login_required
@require_POST
def rerun(request, pk: int):
    """Run again, exactly once, an ingest whose worker died."""
    _require_operator(request.user)
    if runs.rerun(pk):
        messages.success(request, gettext("Đã xếp lần nạp vào hàng chạy lại."))
    else:
        messages.info(request, gettext("Lần nạp này đã được chạy lại hoặc không chạy lại được."))
    return redirect(request.POST.get("next") or "delivery:dead")
