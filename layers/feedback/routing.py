"""Routing: the report's commune (spatial join) and its category's office decide who answers."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.gis.geos import Point

from layers import roles
from layers.places.models import Commune, District
from layers.registry import registry
from layers.validation import OutsideDistrict, validate_geometry

from .models import Category, CommuneDesk, Complaint


def locate(lon: float, lat: float) -> tuple[Point, Commune | None]:
    """The checked point and the commune containing it; outside the district (or at sea) is a 400."""
    point = validate_geometry(Point(lon, lat, srid=4326), registry.get("complaints"))
    commune = Commune.objects.filter(geom__intersects=point).order_by("pk").first()
    if commune is None and District.objects.exists() and not District.objects.filter(geom__intersects=point).exists():
        raise OutsideDistrict(f"the place ({lon:.5f} {lat:.5f}) is outside the district", field="location")
    return point, commune


def agency(category: Category, commune: Commune | None) -> str:
    """The responsible unit's name: a district office, or the commune's people's committee."""
    office = category.office
    if office.level == "commune":
        return f"UBND {commune.name}" if commune else office.name_vi
    return f"{office.name_vi} – {commune.name}" if commune else office.name_vi


def recipients(complaint: Complaint) -> list[str]:
    """Who is told about a new report: the office, the commune's desk, else the feedback officers."""
    emails = []
    if complaint.office and complaint.office.level == "district" and complaint.office.email:
        emails.append(complaint.office.email)
    if complaint.commune_id:
        desk = CommuneDesk.objects.filter(commune_id=complaint.commune_id).first()
        if desk:
            emails.append(desk.email)
    if not emails:
        emails = role_emails(roles.FEEDBACK_OFFICER)
    return sorted(set(emails))


def role_emails(role: str) -> list[str]:
    """The e-mail addresses of the active users holding a role."""
    users = User.objects.filter(is_active=True, groups__name=role).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))
