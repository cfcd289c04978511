"""A small district for the crossings tests: a town, two villages, roads, a spillway with a gauge."""

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, MultiPolygon, Point, Polygon

from layers.crossings import gauges
from layers.crossings.models import Crossing, Road
from layers.places.models import Commune, District, River, Village

# Around Trà My town (lon/lat): a road east from the town over a spillway to a village.
TOWN = (108.23, 15.35)
EAST = (108.26, 15.35)
NORTH = (108.23, 15.37)
SPILLWAY = (108.245, 15.35)


@pytest.fixture
def place(db):
    """District, town commune with a quarter, a village east across the river, one north; roads; a spillway."""
    square = MultiPolygon(Polygon.from_bbox((108.2, 15.3, 108.3, 15.4)))
    district = District.objects.create(name="Huyện thử", geom=square)
    town = Commune.objects.create(district=district, name="Trà My", code="tra-my", kind="town", geom=square)
    quarter = Village.objects.create(commune=town, name="Tổ 1", population=800, households=180, geom=Point(*TOWN))
    east = Village.objects.create(commune=town, name="Thôn Đông", population=400, households=90, geom=Point(*EAST))
    north = Village.objects.create(commune=town, name="Thôn Bắc", population=300, households=70, geom=Point(*NORTH))
    river = River.objects.create(name="Sông Trường", geom=MultiLineString(LineString((108.245, 15.3), (108.245, 15.4))))
    main = Road.objects.create(
        name="Đường thử Đông", road_class="district", geom=MultiLineString(LineString(TOWN, SPILLWAY, EAST))
    )
    Road.objects.create(name="Đường thử Bắc", road_class="commune", geom=MultiLineString(LineString(TOWN, NORTH)))
    crossing = Crossing.objects.create(
        name="Ngầm thử",
        kind="spillway",
        river=river,
        river_name=river.name,
        road=main,
        road_name=main.name,
        caution_level_m=0.3,
        closed_level_m=0.5,
        geom=Point(*SPILLWAY),
    )
    gauge, secret = gauges.issue(crossing, "Trạm thử")
    return {"crossing": crossing, "gauge": gauge, "secret": secret, "villages": (quarter, east, north)}
