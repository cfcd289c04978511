"""Export view: /api/layers/<slug>/export.<fmt> with the feature API's filters."""

from django.http import HttpResponse
from django.utils.translation import gettext as _

from . import exports, params
from .access import layer_for, read_only
from .errors import NotAcceptable


@read_only
def export(request, slug, fmt):
    """Download the matching features of a layer as GeoJSON, GeoPackage, zipped Shapefile, CSV or KML."""
    layer = layer_for(slug, request.user)
    if fmt not in exports.CONTENT_TYPES:
        message = _("Không có định dạng xuất %(format)s; hãy dùng một trong: %(formats)s")
        raise NotAcceptable(message % {"format": repr(fmt[:20]), "formats": ", ".join(exports.CONTENT_TYPES)})
    query = params.parse(layer, request.user, request.GET)
    data, content_type, filename = exports.export(layer, request.user, query, fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
