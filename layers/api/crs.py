"""The coordinate reference systems of OGC API Features Part 2, by URI, with their axis order."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .errors import BadParameter

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class Crs:
    """One offered CRS: its URI, its EPSG code in PostGIS and whether its first axis is latitude."""

    uri: str
    srid: int
    lat_first: bool = False
    title: str = ""


CRS84 = Crs(CRS84_URI, 4326, False, "WGS 84 (kinh độ, vĩ độ)")
OFFERED = (
    CRS84,
    Crs(EPSG + "4326", 4326, True, "WGS 84 (vĩ độ, kinh độ)"),
    Crs(EPSG + "3857", 3857, False, "WGS 84 / Pseudo-Mercator"),
    Crs(EPSG + "3405", 3405, False, "VN-2000 / UTM 48N"),
    Crs(EPSG + "5899", 5899, False, "VN-2000 / TM-3 107°45'"),
)
_BY_URI = {c.uri: c for c in OFFERED}
# Short spellings clients also send (GDAL and QGIS write URIs; people write EPSG:4326).
_ALIASES = {"CRS84": CRS84, "OGC:CRS84": CRS84, **{f"EPSG:{c.srid}": c for c in OFFERED[1:]}}
URIS = [c.uri for c in OFFERED]


def by_uri(text: str | None, name: str) -> Crs:
    """The offered CRS a parameter names (absent means CRS84); anything else is a 400 on that parameter."""
    if text is None or text == "":
        return CRS84
    value = text.strip().strip("[]<>")
    found = _BY_URI.get(value) or _ALIASES.get(value)
    if found is None:
        message = _("%(name)s không được hỗ trợ: %(value)s (dùng một trong: %(allowed)s)")
        raise BadParameter(message % {"name": name, "value": repr(value[:80]), "allowed": ", ".join(URIS)}, field=name)
    return found


def header(crs: Crs) -> str:
    """The Content-Crs header value."""
    return f"<{crs.uri}>"
