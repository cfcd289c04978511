"""Role-aware side panels of the map: which panel a user sees, its data feed and the pages it links to."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from layers import roles


@dataclass(frozen=True)
class Panel:
    """A side panel for some roles, fed by one theme's own endpoint and linking to its pages.

    ``feed`` and ``pages`` are URL names of the theme app; a name the app does not (yet) have is
    left out, so the map never links to a page that is not there.
    """

    key: str
    title: str
    theme: str
    roles: frozenset[str]
    feed: str | None
    pages: tuple[tuple[str, str], ...]


PANELS = (
    Panel(
        "fire",
        _("Cảnh báo cháy rừng"),
        "fire",
        frozenset({roles.RANGER}),
        "fire:api_alerts",
        (("fire:alerts", _("Xử lý cảnh báo cháy")),),
    ),
    Panel(
        "complaints",
        _("Hàng đợi phản ánh"),
        "feedback",
        frozenset({roles.FEEDBACK_OFFICER}),
        "feedback:queue_geojson",
        (("feedback:queue", _("Mở hàng đợi phản ánh")), ("feedback:stats", _("Thống kê phản ánh"))),
    ),
    Panel(
        "coverage",
        _("Công cụ vùng phủ sóng"),
        "telecom",
        frozenset({roles.PLANNER}),
        None,
        (("telecom:coverage", _("Tính và so sánh vùng phủ sóng")),),
    ),
)


def _url(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def for_user(user) -> list[dict]:
    """The panels this user sees (operators and admins see all), with their feed and page links."""
    held = roles.of(user)
    out = []
    for panel in PANELS:
        if held & (panel.roles | roles.READ_ALL):
            links = [{"name": str(label), "url": url} for name, label in panel.pages if (url := _url(name))]
            out.append(
                {
                    "key": panel.key,
                    "title": str(panel.title),
                    "theme": panel.theme,
                    "feed": _url(panel.feed),
                    "links": links,
                }
            )
    return out
