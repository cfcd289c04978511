"""Deadline arithmetic (pure, no database): working days skip weekends and holidays incl. Tết."""

from datetime import UTC, date, datetime, timedelta

import holidays

from layers.feedback.deadlines import LOCAL, add_working_days, expected

VN_2027 = frozenset(holidays.country_holidays("VN", years=[2027]).keys())


def local(*args):
    return datetime(*args, tzinfo=LOCAL)


def test_three_working_days_from_friday_end_on_wednesday_same_time():
    assert add_working_days(local(2026, 11, 27, 10, 30), 3, frozenset()) == local(2026, 12, 2, 10, 30)


def test_a_report_on_saturday_counts_from_monday_and_ends_when_wednesday_ends():
    assert add_working_days(local(2026, 11, 28, 15, 0), 3, frozenset()) == local(2026, 12, 3, 0, 0)


def test_tet_days_are_skipped():
    # Tết 2027: 4-10 February are days off; received Wednesday 3 Feb at 09:00.
    assert date(2027, 2, 8) in VN_2027
    due = add_working_days(local(2027, 2, 3, 9, 0), 3, VN_2027)
    assert due == local(2027, 2, 15, 9, 0)  # Thu 11, Fri 12, then Mon 15 is the third working day


def test_district_holiday_moves_the_deadline():
    start = local(2026, 12, 1, 8, 0)  # Tuesday
    assert add_working_days(start, 3, frozenset()) == local(2026, 12, 4, 8, 0)
    assert add_working_days(start, 3, frozenset({date(2026, 12, 3)})) == local(2026, 12, 7, 8, 0)


def test_hazards_run_on_the_clock_day_and_night():
    start = local(2026, 11, 28, 23, 0)  # Saturday night
    assert expected(start, "hours", 3, frozenset()) == start + timedelta(hours=3)


def test_a_utc_time_is_counted_on_the_local_calendar():
    # 18:00 UTC Friday is 01:00 local Saturday: a day off, so one working day is all of Monday.
    utc_friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert add_working_days(utc_friday_evening, 1, frozenset()) == local(2026, 12, 1, 0, 0)


def test_category_rules_use_the_national_calendar_and_the_districts_own_days(seeded):
    from layers.feedback.deadline_rules import expected_for
    from layers.feedback.models import Category, DistrictHoliday

    rubbish, construction, landslide = (Category.objects.get(code=c) for c in ("rubbish", "construction", "landslide"))
    received = local(2027, 2, 3, 9, 0)  # Wednesday before Tết 2027
    assert expected_for(rubbish, received) == local(2027, 2, 15, 9, 0)
    assert expected_for(landslide, received) == received + timedelta(hours=3)
    # Seven working days: Thu 11, Fri 12, Mon 15, Tue 16, Wed 17, Thu 18, Fri 19.
    assert expected_for(construction, received) == local(2027, 2, 19, 9, 0)
    DistrictHoliday.objects.create(date=date(2027, 2, 12), name="Ngày hội văn hoá dân tộc Ca Dong")
    assert expected_for(rubbish, received) == local(2027, 2, 16, 9, 0)
    assert expected_for("no_such_category", received) is None
