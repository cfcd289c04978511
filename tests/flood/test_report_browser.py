"""An operator on a phone opens the flood report from the header: it fits the screen and passes axe-core."""

import pytest

from ingest import flood as flood_ingest
from layers import roles
from layers.flood import hooks
from tests import journey
from tests.crossings import world
from tests.crossings.conftest import place  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_reads_the_flood_report_on_a_phone(live_server, person, place, tmp_path):  # noqa: F811
    from django.contrib.auth.models import Group, User

    path = world.write_mask(tmp_path / "m.tif", [world.RIVER_BAND, world.EAST_VILLAGE], [world.NORTH_VILLAGE])
    run = flood_ingest.ingest_path(path, product="s1", time="2026-10-29T05:50:00+07:00", min_pixels=0)
    row = hooks.after_observation(run.params["observation_id"])
    operator = User.objects.create_user("operator_user", password="pw-for-tests-only")
    operator.groups.add(Group.objects.get(name=roles.OPERATOR))

    page = person("phone")
    journey.login(page, live_server.url, "operator_user", "pw-for-tests-only", "/flood/reports/")
    journey.check(page, "flood-index")
    journey.press(page, f"a[href='/flood/events/{row.event_id}/report/']")
    page.wait_for_url(f"{live_server.url}/flood/events/{row.event_id}/report/")
    figures = page.locator("[data-testid=district-figures]")
    assert figures.locator("[data-figure=villages_cut_off] b").inner_text() == "1"
    assert "không rõ" in figures.locator("[data-figure=people]").inner_text()
    assert page.locator("[data-testid=village-table] tr[data-village]").count() == 2
    journey.check(page, "flood-report")
