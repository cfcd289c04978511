"""The pure generator: deterministic for a seed, different across seeds (numpy and shapely only)."""

import numpy as np

from ingest.demo import frame, geography


def _geo(seed: int) -> geography.Geography:
    return geography.build(np.random.default_rng([seed, 1]))


def test_same_seed_same_district_other_seed_other_district():
    a, b, c = _geo(11), _geo(11), _geo(12)
    assert a.district.equals(b.district)
    assert [v["xy"] for v in a.villages] == [v["xy"] for v in b.villages]
    assert not a.district.equals(c.district)
    assert [v["xy"] for v in a.villages] != [v["xy"] for v in c.villages]
    # Whatever the seed: about 820 km², 13 communes, 46 villages, the town where the brief puts it.
    for geo in (a, c):
        assert abs(frame.area_m2(frame.geom_to_lonlat(geo.district)) - 820e6) < 1e6
        assert len(geo.communes) == 13 and len(geo.villages) == 46
        lon, lat = frame.to_lonlat(*geo.town)
        assert abs(lon - 108.23) < 1e-9 and abs(lat - 15.35) < 1e-9
        assert all(commune["geom"].is_valid for commune in geo.communes)
