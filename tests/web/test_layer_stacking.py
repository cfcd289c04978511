"""Point layers opened together stack in the catalogue's order, whichever of them finishes loading first.

A shared link opens the map with the villages and their road access on. Their features are real answers of the
live server, one of them held back by the browser until the other has been drawn: the road access first on some
loads, last on others. Every time, the red dot of the cut-off village is drawn over its blue village dot and a tap
there answers with the road access, on a phone (a real tap) and a desktop (a real click), offline, in Chromium.
"""
# The crossings' district and eager fixture are theirs, imported here: tests name them as parameters, which ruff
# reads as redefinitions.
# ruff: noqa: F811

import pytest

from tests import journey
from tests.crossings.conftest import EAST, place  # noqa: F401 (fixture)
from tests.crossings.test_village_access import eager  # noqa: F401 (fixture)

from .test_map_journey import settle
from .test_tap_topmost import (  # noqa: F401
    CENTER_LAT,
    CENTER_LON,
    ZOOM,
    also_here,
    close_popup,
    colour_at,
    cut_off,
    first_answer,
    is_blue,
    is_red,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = f"/map/?layers=villages,village-access&center={CENTER_LAT},{CENTER_LON}&zoom={ZOOM}"
# Which layer's features are held back on each load: the road access arrives first, last, first, last.
HELD = ("villages", "village-access", "villages", "village-access")


def features_of(slug):
    """A matcher of the requests for a layer's features (the catalogue's features link, any query)."""
    return lambda url: f"/api/layers/{slug}/features/" in url


def open_with_held(page, base_url, held, other):
    """Open the shared link with the features of ``held`` held back until ``other`` is drawn, then let them come."""
    routes = []

    def hold(route):
        routes.append(route)

    matcher = features_of(held)
    page.route(matcher, hold)
    try:
        page.goto(base_url + LINK)
        page.wait_for_function(f"() => document.body.getAttribute('data-loaded-{other}') === '1'", timeout=20000)
        while not routes:  # the held request is really on its way (asked for at the start, with the other)
            page.wait_for_timeout(20)
        assert page.evaluate(f"() => document.body.getAttribute('data-loaded-{held}')") is None
        for route in routes:
            route.continue_()  # the real request to the live server, only later
        page.wait_for_selector("body[data-ready='1']", timeout=20000)
    finally:
        page.unroute(matcher)
    settle(page)


def arrival(page):
    """The layers' stacking numbers and which of them was drawn (added to the map) first."""
    return page.evaluate(
        """() => {
          const st = window.geoplatform.state;
          const dot = (slug) => {
            let p = null;
            st[slug].layer.gpShapes.eachLayer((l) => { p = p || l._path; });
            return p;
          };
          const a = dot('villages'), b = dot('village-access');
          return {villages: st.villages.stack, access: st['village-access'].stack,
                  accessAfterVillages: !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING)};
        }"""
    )


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_road_access_is_drawn_over_the_villages_whichever_layer_loads_first(live_server, person, cut_off, size):
    page = person(size)
    for n, held in enumerate(HELD):
        other = "village-access" if held == "villages" else "villages"
        open_with_held(page, live_server.url, held, other)

        # The catalogue's order (places, then the road access), in the stacking number taps use and in the SVG.
        order = arrival(page)
        assert order["access"] > order["villages"], (held, order)
        assert order["accessAfterVillages"], (held, order)

        # What the person sees at the cut-off village: the red dot of the road access, over the village's blue one.
        rgb = colour_at(page, *EAST)
        assert is_red(rgb) and not is_blue(rgb), (held, rgb)
        if n < 2:
            journey.shot(page, f"layer-stacking-{held}-held")

        # A tap there answers with that same layer; the village is listed under it.
        popup = first_answer(page, *EAST)
        assert popup.get_attribute("data-layer") == "village-access", held
        assert popup.locator(".gp-popup-title").inner_text() == "Thôn Đông"
        assert also_here(page).get("villages") == "Thôn, tổ dân phố: Thôn Đông"
        close_popup(page)
    journey.check(page)
