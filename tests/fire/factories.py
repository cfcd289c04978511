"""Small real data for the fire tests: FIRMS CSV text, district places, users assigned to communes."""

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

VIIRS_HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,"
    "bright_ti5,frp,daynight"
)
MODIS_HEADER = (
    "latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,"
    "bright_t31,frp,daynight"
)


def viirs_row(lat, lon, date="2024-03-10", time="615", sat="N", conf="n", version="2.0NRT", frp=5.2, dn="D"):
    """One VIIRS line."""
    return f"{lat},{lon},330.5,0.39,0.36,{date},{time},{sat},VIIRS,{conf},{version},290.1,{frp},{dn}"


def modis_row(lat, lon, date="2024-03-10", time="330", sat="T", conf="85", version="6.1NRT", frp=20.0, typ=None):
    """One MODIS line (with the archive ``type`` column when typ is given)."""
    line = f"{lat},{lon},320.1,1.0,1.0,{date},{time},{sat},MODIS,{conf},{version},295.0,{frp},D"
    return line if typ is None else f"{line},{typ}"


def csv_bytes(header, rows, *, crlf=False, bom=False) -> bytes:
    """A FIRMS CSV file's bytes."""
    newline = "\r\n" if crlf else "\n"
    text = newline.join([header, *rows]) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def district(forest=True):
    """Two communes side by side, a village in each, and (optionally) forest over the west commune."""
    from layers.places.models import Commune, District, ForestArea, Village

    west = MultiPolygon(Polygon.from_bbox((108.10, 15.20, 108.20, 15.30)), srid=4326)
    east = MultiPolygon(Polygon.from_bbox((108.20, 15.20, 108.30, 15.30)), srid=4326)
    whole = MultiPolygon(Polygon.from_bbox((108.10, 15.20, 108.30, 15.30)), srid=4326)
    d = District.objects.create(name="Bắc Trà My", geom=whole, synthetic=True)
    tra_son = Commune.objects.create(district=d, name="Trà Sơn", code="tra-son", geom=west)
    tra_giac = Commune.objects.create(district=d, name="Trà Giác", code="tra-giac", geom=east)
    Village.objects.create(commune=tra_son, name="Thôn 1", population=300, geom=Point(108.15, 15.25, srid=4326))
    Village.objects.create(commune=tra_giac, name="Thôn 2", population=200, geom=Point(108.28, 15.28, srid=4326))
    if forest:
        ForestArea.objects.create(name="Rừng phòng hộ", kind="protection", geom=west)
    return {"west": tra_son, "east": tra_giac}
