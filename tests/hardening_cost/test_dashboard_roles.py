"""The operations dashboard opens for IOC operators and admins; everyone else is sent to their own page."""

import pytest
from django.test import Client

from layers import roles


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (roles.RANGER, "/fire/"),
        (roles.FEEDBACK_OFFICER, "/feedback/queue/"),
        (roles.PLANNER, "/coverage/"),
        (roles.URBAN_STAFF, "/parcels/"),
    ],
)
def test_other_roles_are_sent_to_their_own_page_and_refused_the_figures(db, users, role, page):
    client = Client()
    client.force_login(users[role])
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith(page)
    assert client.get("/dashboard/figures.json").status_code == 403


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.ADMIN])
def test_operators_and_admins_open_the_dashboard(db, users, role):
    client = Client()
    client.force_login(users[role])
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/dashboard/figures.json").status_code == 200
