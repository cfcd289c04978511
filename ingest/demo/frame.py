"""The local metric frame of the demo generator and the conversions to lon/lat and VN-2000.

Generation works in metres on a local equirectangular frame centred on the district (distortion
under 0.3% across 50 km); stored geometry is lon/lat (EPSG:4326); recorded areas are computed in
VN-2000 / UTM 48N (EPSG:3405) like the district's own surveys.
"""

import math

import numpy as np
import shapely
from pyproj import Transformer

LON0, LAT0 = 108.175, 15.275
# Metres per degree of longitude and latitude at the centre of the district.
KX = 111_320.0 * math.cos(math.radians(LAT0))
KY = 110_574.0
METRIC_EPSG = 3405

_TO_METRIC = Transformer.from_crs(4326, METRIC_EPSG, always_xy=True)


def to_lonlat(x, y):
    """Local metres to (lon, lat)."""
    return LON0 + np.asarray(x) / KX, LAT0 + np.asarray(y) / KY


def to_xy(lon, lat):
    """(lon, lat) to local metres."""
    return (np.asarray(lon) - LON0) * KX, (np.asarray(lat) - LAT0) * KY


def geom_to_lonlat(geom):
    """A shapely geometry in local metres as lon/lat."""
    return shapely.transform(geom, lambda c: np.column_stack(to_lonlat(c[:, 0], c[:, 1])))


def geom_to_xy(geom):
    """A shapely lon/lat geometry in local metres."""
    return shapely.transform(geom, lambda c: np.column_stack(to_xy(c[:, 0], c[:, 1])))


def to_metric(geom):
    """A lon/lat geometry (or array of them) in EPSG:3405 metres."""
    return shapely.transform(geom, lambda c: np.column_stack(_TO_METRIC.transform(c[:, 0], c[:, 1])))


def area_m2(geom) -> float:
    """Area of a lon/lat geometry in square metres, computed in EPSG:3405."""
    return float(shapely.area(to_metric(geom)))


def areas_m2(geoms) -> np.ndarray:
    """Areas of many lon/lat geometries in square metres (EPSG:3405), vectorised."""
    return shapely.area(to_metric(np.asarray(geoms, dtype=object)))


def as_multi(geom):
    """A Polygon or MultiPolygon (or collection) as a MultiPolygon of its polygonal parts."""
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom]) if not geom.is_empty else shapely.MultiPolygon()
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = []
    for part in parts:
        polys.extend(shapely.get_parts(part) if part.geom_type == "MultiPolygon" else [part])
    return shapely.MultiPolygon([p for p in polys if not p.is_empty])
