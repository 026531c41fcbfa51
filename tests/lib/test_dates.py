"""Local dates and working days in England (lib/dates.py), across the clock changes."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from lib.dates import add_working_days, is_bank_holiday, is_working_day, years_after

LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC


def london(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def test_easter_2027s_bank_holidays_come_from_the_library():
    assert is_bank_holiday(datetime.date(2027, 3, 26))  # Good Friday
    assert is_bank_holiday(datetime.date(2027, 3, 29))  # Easter Monday
    assert not is_bank_holiday(datetime.date(2027, 3, 30))
    assert not is_working_day(datetime.date(2027, 3, 27))  # a Saturday
    assert is_working_day(datetime.date(2027, 3, 30))


def test_a_working_day_after_good_friday_is_the_tuesday_after_easter_and_the_clock_change():
    # 10:00 GMT on Good Friday is 10:00 UTC; the clocks go forward on Sunday 28 March.
    friday = datetime.datetime(2027, 3, 26, 10, 0, tzinfo=UTC)
    later = add_working_days(friday, 1)
    assert later == london(2027, 3, 30, 10, 0)
    assert later.astimezone(UTC) == datetime.datetime(2027, 3, 30, 9, 0, tzinfo=UTC)


def test_two_working_days_from_the_thursday_before_easter_is_the_wednesday_after():
    assert add_working_days(london(2027, 3, 25, 16, 30), 2) == london(2027, 3, 31, 16, 30)


def test_the_local_time_is_kept_when_the_clocks_go_back():
    # Friday 23 October 2026, 10:00 BST (09:00 UTC); the clocks go back on Sunday 25 October.
    friday = datetime.datetime(2026, 10, 23, 9, 0, tzinfo=UTC)
    monday = add_working_days(friday, 1)
    assert monday == london(2026, 10, 26, 10, 0)
    assert monday.astimezone(UTC).hour == 10


def test_the_day_is_the_local_day_not_the_utc_one():
    # 23:30 UTC on Thursday 1 July 2027 is 00:30 BST on Friday 2 July: one working day later
    # is Monday 5 July, not Friday.
    late = datetime.datetime(2027, 7, 1, 23, 30, tzinfo=UTC)
    assert add_working_days(late, 1) == london(2027, 7, 5, 0, 30)


def test_christmas_and_the_observed_boxing_day_are_skipped():
    # 2026: Christmas Day is a Friday, Boxing Day a Saturday, observed on Monday 28 December.
    assert add_working_days(london(2026, 12, 24, 9, 0), 1) == london(2026, 12, 29, 9, 0)


def test_no_working_days_is_the_same_moment_and_backwards_is_refused():
    moment = london(2027, 3, 26, 10, 0)
    assert add_working_days(moment, 0) == moment
    with pytest.raises(ValueError):
        add_working_days(moment, -1)


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (datetime.date(2028, 2, 29), 1, datetime.date(2029, 2, 28)),
        (datetime.date(2028, 2, 29), 4, datetime.date(2032, 2, 29)),
        (datetime.date(2028, 2, 29), -6, datetime.date(2022, 2, 28)),
        (datetime.date(2027, 3, 1), 1, datetime.date(2028, 3, 1)),
    ],
)
def test_a_year_later_on_29_february_is_28_february(day, years, expected):
    assert years_after(day, years) == expected
