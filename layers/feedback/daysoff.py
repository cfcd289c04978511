"""The district's calendar of days off: Vietnamese public holidays (incl. Tết) plus its own days."""

from datetime import date

import holidays as holiday_calendars

from .models import DistrictHoliday


def days_off(years) -> frozenset[date]:
    """National holidays from the `holidays` package (VN) and the district's days set in the admin."""
    years = sorted(set(years))
    national = holiday_calendars.country_holidays("VN", years=years)
    local = DistrictHoliday.objects.filter(date__year__in=years).values_list("date", flat=True)
    return frozenset(national.keys()) | frozenset(local)
