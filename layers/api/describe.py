"""The catalogue entry of a layer as a given user may see it."""

from layers.registry import Layer

from . import columns, links


def layer(request, entry: Layer, user) -> dict:
    """Everything a client needs to use one layer, limited to what this user may see."""
    cols = columns.visible(entry, user)
    names = {c.name for c in cols}
    return {
        "slug": entry.slug,
        "title": {"vi": entry.title_vi, "en": entry.title_en},
        "description": {"vi": entry.description_vi, "en": entry.description_en},
        "theme": entry.theme,
        "geometry_type": entry.geometry_type,
        "public": entry.public,
        "fields": [{"name": c.name, "type": c.json_type, "private": c.private} for c in cols],
        "time_field": entry.time_field,
        "filter_fields": [n for n in entry.filter_fields if n in names],
        "ordering_fields": [n for n in entry.ordering_fields if n in names],
        "label_field": entry.label_field if entry.label_field in names else None,
        "style": entry.style,
        "prefer_tiles": entry.prefer_tiles,
        "min_zoom": entry.min_zoom,
        "max_zoom": entry.max_zoom,
        "editable": entry.can_edit(user),
        "edit_page": entry.edit_page if entry.edit_page and entry.can_edit(user) else None,
        "links": links.for_layer(request, entry),
    }
