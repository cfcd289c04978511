"""The one header of every page: the pages this user may open, their name, log in or out."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from layers import roles

EVERYONE = None
STAFF = frozenset(roles.ALL)
# The operations dashboard is the IOC leaders' screen; every other role has its own working page.
DASHBOARD = roles.READ_ALL

# (URL name, label, roles that see it; None = everyone). Order is the order in the header.
PAGES = (
    ("web:map", _("Bản đồ"), EVERYONE),
    ("web:dashboard", _("Bảng điều hành"), DASHBOARD),
    ("fire:alerts", _("Cảnh báo cháy"), frozenset({roles.RANGER, roles.OPERATOR, roles.ADMIN})),
    ("feedback:queue", _("Hàng đợi phản ánh"), frozenset({roles.FEEDBACK_OFFICER}) | roles.READ_ALL),
    ("telecom:coverage", _("Vùng phủ sóng"), frozenset({roles.PLANNER}) | roles.READ_ALL),
    ("parcels:desk", _("Sửa thửa đất"), frozenset({roles.URBAN_STAFF, roles.ADMIN})),
    ("parcels_admin:index", _("Quản trị thửa đất"), frozenset({roles.URBAN_STAFF})),
    ("cameras:list", _("Camera và cảm biến"), roles.READ_ALL),
    ("flood_report:index", _("Lũ và ngầm tràn"), roles.READ_ALL),
    ("feedback:report", _("Gửi phản ánh"), EVERYONE),
    ("feedback:track_lookup", _("Tra cứu phản ánh"), EVERYONE),
    ("web:embed-builder", _("Nhúng bản đồ"), EVERYONE),
)


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def items(request) -> list[dict]:
    """The header's links for this request's user, the current page marked."""
    held = roles.of(getattr(request, "user", None))
    path = request.path
    out = []
    for name, label, allowed in PAGES:
        url = _url(name)
        if url is None or (allowed is not None and not held & allowed):
            continue
        current = path == url or (url != "/" and path.startswith(url) and name != "feedback:report")
        out.append({"url": url, "label": str(label), "current": current})
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        out.append({"url": "/admin/", "label": str(_("Quản trị")), "current": path.startswith("/admin/")})
    return out


def own_page(user) -> str:
    """The first page of the header made for one of this user's roles (the map when there is none)."""
    held = roles.of(user)
    for name, _label, allowed in PAGES:
        if allowed is not None and allowed is not DASHBOARD and held & allowed and (url := _url(name)):
            return url
    return _url("web:map") or "/"


def header(request) -> dict:
    """Template context processor: ``nav`` (the header's links) and ``role_titles`` of the user."""
    held = roles.of(getattr(request, "user", None))
    from django.utils.translation import get_language

    english = (get_language() or "vi").startswith("en")
    titles = [roles.TITLES[r][1 if english else 0] for r in roles.ALL if r in held]
    user = getattr(request, "user", None)
    name = user.get_full_name() if user is not None and user.is_authenticated else ""
    # A name that is already a role title ("Lãnh đạo IOC") is not said twice.
    titles = [title for title in titles if title != name]
    return {"nav": items(request), "role_titles": titles}
