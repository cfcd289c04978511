"""{% dead_letters_panel %}: the dashboard's panel of dead letters (operators only)."""

from django import template

from ingest import runs

from .. import deadletters

register = template.Library()


@register.inclusion_tag("delivery/panel.html", takes_context=True)
def dead_letters_panel(context):
    """The newest dead letters with a retry button, shown only to operators."""
    request = context.get("request")
    visible = request is not None and deadletters.may_see(request.user)
    return {
        "visible": visible,
        "letters": deadletters.listing(5) if visible else [],
        "total": deadletters.count() if visible else 0,
        "runs": runs.stuck(5) if visible else [],
        "request": request,
    }
