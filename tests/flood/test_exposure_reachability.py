"""Reachability on a hand-made road network: crossings and flooded roads cut, loops reroute."""

import numpy as np
import shapely

from layers.flood import reachability as r

TOWN = (0.0, 0.0)
# Main road east from town; a loop north via (1000, 1000); a side road ending mid-segment on the main road.
MAIN = [(0, 0), (1000, 0), (2000, 0)]
NORTH = [(1000, 0), (1000, 1000)]
LOOP = [(2000, 0), (2000, 1000), (1000, 1000)]
SIDE = [(500, -800), (500, 0)]
V1, V2, V3, V4 = (1000, 1000), (2000, 0), (5000, 5000), (500, -800)
CROSSING = (1500, 0)


def network():
    return r.build([np.array(x) for x in (MAIN, NORTH, LOOP, SIDE)], snap_m=15, step_m=25)


def test_everyone_reaches_town_when_nothing_is_cut():
    assert r.cut_off(network(), [TOWN], [V1, V2, V3, V4], attach_m=300) == [
        r.REACHABLE,
        r.REACHABLE,
        r.NO_ROAD,
        r.REACHABLE,
    ]


def test_a_closed_crossing_cuts_its_road_but_the_loop_reroutes():
    net = network()
    blocked = r.blocked_near(net, [CROSSING], 20)
    # Only the edges of the main road around x=1500 are cut: 2 edges of 25 m within 20 m of the point.
    assert set(net.road[blocked]) == {0}
    assert 1 <= blocked.sum() <= 3
    assert r.cut_off(net, [TOWN], [V1, V2], blocked) == [r.REACHABLE, r.REACHABLE]


def test_crossing_plus_flooded_loop_cuts_the_far_village_only():
    net = network()
    flood = shapely.box(1900, 400, 2100, 600)  # water over the loop road's eastern leg
    in_flood = shapely.intersects_xy(flood, *net.midpoints.T)
    blocked = r.blocked_near(net, [CROSSING], 20) | in_flood
    assert r.cut_off(net, [TOWN], [V1, V2, V4], blocked) == [r.REACHABLE, r.CUT_OFF, r.REACHABLE]
    # The lengths add up: the network holds every metre of road once.
    assert abs(net.length.sum() - (2000 + 1000 + 2000 + 800)) < 1e-6


def test_side_road_without_densifying_does_not_join_mid_segment():
    net = r.build([np.array(x) for x in (MAIN, SIDE)], snap_m=15)
    assert r.cut_off(net, [TOWN], [V4], attach_m=300) == [r.CUT_OFF]


def test_roads_that_only_cross_do_not_meet():
    # A road drawn across the main road (a pass over it) joins nothing: its far end stays cut off.
    over = np.array([(1250, -500), (1250, 500)])
    net = r.build([np.array(MAIN), over], snap_m=15, step_m=25)
    assert r.cut_off(net, [TOWN], [(1250, 500)], attach_m=50) == [r.CUT_OFF]
