"""Role-aware side panels of the map: which panel a user sees and the pages of other themes it links to."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils.translation import gettext_lazy as _

from layers import roles


@dataclass(frozen=True)
class Panel:
    """A side panel for some roles, fed by the layers of one theme."""

    key: str
    title: str
    theme: str
    urls_module: str
    roles: frozenset[str]


PANELS = (
    Panel("fire", _("Cảnh báo cháy rừng"), "fire", "layers.fire.urls", frozenset({roles.RANGER})),
    Panel(
        "complaints", _("Hàng đợi phản ánh"), "feedback", "layers.feedback.urls", frozenset({roles.FEEDBACK_OFFICER})
    ),
    Panel("coverage", _("Công cụ vùng phủ sóng"), "telecom", "layers.telecom.urls", frozenset({roles.PLANNER})),
)


def _named_pages(urls_module: str) -> list[dict]:
    """Argument-free named HTML pages declared in an app's urls module (its API and JSON routes left out)."""
    pages = []

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if getattr(entry.urlconf_module, "__name__", entry.urlconf_name) == urls_module:
                    collect(entry.url_patterns, entry.namespace)
                else:
                    walk(entry.url_patterns)

    def collect(patterns, namespace):
        for entry in patterns:
            if not isinstance(entry, URLPattern) or not entry.name:
                continue
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue  # needs arguments: not a landing page
            if url.startswith("/api/") or url.endswith((".json", ".csv", ".pbf", ".png")):
                continue
            pages.append({"name": entry.name.replace("_", " ").replace("-", " "), "url": url})

    walk(get_resolver().url_patterns)
    return pages


def for_user(user) -> list[dict]:
    """The panels this user sees (operators and admins see all), with links to the theme's pages."""
    held = roles.of(user)
    out = []
    for panel in PANELS:
        if held & (panel.roles | roles.READ_ALL):
            links = _named_pages(panel.urls_module)
            out.append({"key": panel.key, "title": str(panel.title), "theme": panel.theme, "links": links})
    return out
