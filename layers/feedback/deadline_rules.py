"""Deadlines of a category applied to a receipt time, on the district's calendar."""

from datetime import datetime

from . import daysoff, deadlines
from .models import Category


def expected_for(category: Category | str, received_at: datetime) -> datetime | None:
    """When an answer is due for a report of this category received at this time (None: unknown category)."""
    if isinstance(category, str):
        category = Category.objects.filter(code=category).first()
        if category is None:
            return None
    years = deadlines.years_spanned(received_at, category.deadline_value)
    holidays = daysoff.days_off(years) if category.deadline_kind == "working_days" else frozenset()
    return deadlines.expected(received_at, category.deadline_kind, category.deadline_value, holidays)
