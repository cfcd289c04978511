"""The dashboard refuses people without a role with a sentence in the reader's language."""

from django.contrib.auth.models import User
from django.test import Client


def test_a_person_without_a_role_is_refused_the_dashboard_figures_in_words(db):
    client = Client()
    client.force_login(User.objects.create_user("citizen", password="pw-for-tests-only"))
    vi = client.get("/dashboard/figures.json")
    assert vi.status_code == 403 and vi.json()["error"]["code"] == "forbidden"
    assert vi.json()["error"]["message"] == "Bảng điều hành chỉ dành cho cán bộ của Trung tâm điều hành."
    en = client.get("/dashboard/figures.json", HTTP_ACCEPT_LANGUAGE="en")
    assert en.json()["error"]["message"] == "The dashboard is for staff of the operations centre only."
