"""The keyboard way to give a report's place: a commune, then one of its villages (no map needed)."""

from __future__ import annotations

import unicodedata

from django.contrib.gis.db.models import Extent

from layers.places.models import Commune, District, Village


def sort_key(name: str) -> str:
    """A key in Vietnamese alphabetical order (the database's collation puts Đ and Ô after Z)."""
    # Letters first without their marks, đ just after d; the marks only break ties.
    base = unicodedata.normalize("NFD", name.lower().replace("đ", "d\uffff"))
    return "".join(c for c in base if not unicodedata.combining(c)) + "\0" + name.lower()


def communes() -> list[Commune]:
    """The district's communes in Vietnamese alphabetical order (the first list of the picker)."""
    return sorted(Commune.objects.only("pk", "name"), key=lambda c: sort_key(c.name))


def villages() -> list[Village]:
    """Every village with its commune and centre (the second list, narrowed to the commune in the browser)."""
    rows = Village.objects.select_related("commune").only("pk", "name", "geom", "commune__name")
    return sorted(rows, key=lambda v: (sort_key(v.commune.name), sort_key(v.name)))


def point_for(commune_id: int | None, village_id: int | None) -> tuple[float, float] | None:
    """(lon, lat) of the chosen village, else a point inside the chosen commune, else None."""
    if village_id:
        village = Village.objects.filter(pk=village_id).first()
        if village is not None and (commune_id is None or village.commune_id == commune_id):
            return village.geom.x, village.geom.y
    if commune_id:
        commune = Commune.objects.filter(pk=commune_id).first()
        if commune is not None:
            # point_on_surface, not the centroid: a crescent-shaped commune's centroid can lie outside it.
            inside = commune.geom.point_on_surface
            return inside.x, inside.y
    return None


def extent() -> list[float] | None:
    """The district's [west, south, east, north], where the report map opens (None before places are loaded)."""
    box = District.objects.aggregate(box=Extent("geom"))["box"]
    return [round(v, 5) for v in box] if box else None


def outline() -> list[list[list[float]]]:
    """The district's outer rings as [[lon, lat], …] lists, simplified, so the form warns at once off the district."""
    rings = []
    for district in District.objects.all():
        # About 20 m of simplification: far below a tap's precision, and a few kilobytes on the page.
        shape = district.geom.simplify(0.0002, preserve_topology=True)
        polygons = [shape] if shape.geom_type == "Polygon" else list(shape)
        rings += [[[round(x, 5), round(y, 5)] for x, y in polygon.exterior_ring.coords] for polygon in polygons]
    return rings
