"""Dates as a person in England reads them: the local day, a year later, and working days.

The database and the clock work in UTC; people do not. A report made at 00:30 on a summer
night was made on the local day (BST is UTC+1), not on the day before, and "two working days"
skips weekends and England's bank holidays, which come from the maintained `holidays` package
(holidays.country_holidays("GB", subdiv="ENG")) rather than a list that goes stale.
"""

import datetime
from functools import lru_cache

import holidays
from django.utils import timezone

# The portal's schools are in England; Wales, Scotland and Northern Ireland have other days.
BANK_HOLIDAY_REGION = ("GB", "ENG")


@lru_cache(maxsize=64)
def _bank_holidays_in(year: int) -> frozenset[datetime.date]:
    # One frozen set a year, built once: the library's own mapping grows as it is queried,
    # which is not something to share between threads.
    country, subdiv = BANK_HOLIDAY_REGION
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))


def is_bank_holiday(day: datetime.date) -> bool:
    return day in _bank_holidays_in(day.year)


def is_working_day(day: datetime.date) -> bool:
    """Monday to Friday, and not a bank holiday in England."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(moment: datetime.datetime, days: int) -> datetime.datetime:
    """The same local wall-clock time `days` working days later (days >= 0).

    Counted on the local calendar: 10:00 on the Friday before the clocks change is 10:00 on the
    Monday after, whatever the UTC offset did in between. The result is in the current time
    zone; a time the clocks skipped (01:30 on the last Sunday of March) is read as GMT.
    """
    if days < 0:
        raise ValueError("add_working_days counts forwards only")
    local = timezone.localtime(moment)
    day = local.date()
    while days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    # Rebuilt from the wall-clock time rather than added as a timedelta, so the offset is the
    # one in force on the day it lands on.
    naive = datetime.datetime.combine(day, local.time())  # time(): wall clock, no tzinfo
    return timezone.make_aware(naive, timezone.get_current_timezone())


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later (or earlier, if negative); 29 February becomes 28 February in
    a year that has none, as a review "a year after 29 February 2028" falls on 28 February 2029."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that is not a leap year
        return day.replace(year=day.year + years, day=28)
