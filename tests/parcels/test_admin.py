"""The parcel admin for urban-management staff: django-leaflet's map widget, the same rules, history with the user."""

import json

import pytest
import shapely
from django.test import Client

from layers.parcels.models import Parcel

from .conftest import rect

ADD = "/parcels/admin/parcels/parcel/add/"


def form(shape, **extra) -> dict:
    data = {
        "map_sheet": "3",
        "parcel_number": "7",
        "land_use_code": "ODT",
        "address": "",
        "holder_name": "",
        "legal_status": "",
        "declared_area_m2": "",
        "geom": json.dumps(json.loads(shapely.to_geojson(shapely.MultiPolygon([shape])))),
    }
    return {**data, **extra}


def test_staff_open_the_admin_with_the_leaflet_widget_and_others_do_not(town, users):
    staff = Client()
    staff.force_login(users["urban_staff"])
    page = staff.get(ADD)
    assert page.status_code == 200
    html = page.content.decode()
    assert "leaflet" in html.lower() and "Đất ở tại đô thị (ODT)" in html
    ranger = Client()
    ranger.force_login(users["ranger"])
    assert ranger.get(ADD).status_code == 302  # to the admin log-in: no standing here


def test_admin_saves_go_through_the_rules_and_into_history(first, users):
    staff = Client()
    staff.force_login(users["urban_staff"])
    refused = staff.post(ADD, form(rect(10, 0, 20, 30)))
    assert refused.status_code == 200 and "chồng lên thửa khác" in refused.content.decode()
    assert Parcel.objects.count() == 1
    saved = staff.post(ADD, form(rect(20, 0, 20, 30)))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    parcel = Parcel.objects.get(map_sheet="3")
    assert parcel.area_m2 == pytest.approx(600, abs=0.5) and parcel.commune.name == "Trà My"
    event = Parcel.pgh_event_model.objects.get(pgh_obj_id=parcel.pk)
    assert event.pgh_context.metadata["user"] == users["urban_staff"].pk
    assert event.pgh_context.metadata["reason"] == "Trang quản trị"
