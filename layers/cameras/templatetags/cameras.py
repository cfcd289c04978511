"""Template tags of the cameras theme."""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from ..display import is_staff

register = template.Library()


@register.simple_tag(takes_context=True)
def camera_popup_script(context):
    """The script that adds health and the snapshot to camera popups, for staff only (nothing for others)."""
    request = context.get("request")
    if request is None or not is_staff(request.user):
        return ""
    url = reverse("cameras:camera_health", args=[0]).replace("/0/", "/{id}/")
    return format_html(
        '<link rel="stylesheet" href="{}"><script src="{}" data-health-url="{}"></script>',
        static("cameras/cameras.css"),
        static("cameras/popup.js"),
        url,
    )
