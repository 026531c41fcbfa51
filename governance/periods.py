"""Reporting periods: the terms of a school year, a whole year, or dates chosen by the reader.

The school year runs from 1 September. Its terms, as the dashboard counts them:
autumn 1 September – 31 December, spring 1 January – 31 March, summer 1 April – 31 August.
Holidays fall inside the terms they follow, so every day belongs to exactly one term.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

MAX_CUSTOM_DAYS = 2 * 366  # the month-by-month chart stays readable up to two years


@dataclass(frozen=True)
class Period:
    key: str  # "2026-autumn", "2026-year" or "custom"
    label: str  # "Autumn term 2026"
    start: datetime.date
    end: datetime.date  # the last day, included

    @property
    def dates(self) -> str:
        return f"{date_format(self.start, 'j F Y')} to {date_format(self.end, 'j F Y')}"

    @property
    def title(self) -> str:
        return self.dates if self.key == "custom" else f"{self.label} ({self.dates})"

    @property
    def briefly(self) -> str:
        """The period in a few words: "in Autumn term 2026", "from 1 Oct to 31 Oct 2026"."""
        if self.key != "custom":
            return f"in {self.label}"
        return f"from {date_format(self.start, 'j M Y')} to {date_format(self.end, 'j M Y')}"

    @property
    def during(self) -> str:
        """The period after a verb: "in Autumn term 2026 (…)", or "from 1 May … to 3 June …"."""
        return f"from {self.dates}" if self.key == "custom" else f"in {self.title}"

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The first moment of the period and the first moment after it, in local time."""
        start = datetime.datetime.combine(self.start, datetime.time.min)
        after = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min)
        return timezone.make_aware(start), timezone.make_aware(after)

    def months(self) -> list[datetime.date]:
        """The first day of each month the period touches."""
        month = self.start.replace(day=1)
        months = []
        while month <= self.end:
            months.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return months


def school_year_of(day: datetime.date) -> int:
    """The calendar year in which the school year containing this day began."""
    return day.year if day.month >= 9 else day.year - 1


def terms_of(year: int) -> list[Period]:
    return [
        Period(
            f"{year}-autumn",
            f"Autumn term {year}",
            datetime.date(year, 9, 1),
            datetime.date(year, 12, 31),
        ),
        Period(
            f"{year}-spring",
            f"Spring term {year + 1}",
            datetime.date(year + 1, 1, 1),
            datetime.date(year + 1, 3, 31),
        ),
        Period(
            f"{year}-summer",
            f"Summer term {year + 1}",
            datetime.date(year + 1, 4, 1),
            datetime.date(year + 1, 8, 31),
        ),
    ]


def school_year(year: int) -> Period:
    return Period(
        f"{year}-year",
        f"School year {year}–{str(year + 1)[-2:]}",
        datetime.date(year, 9, 1),
        datetime.date(year + 1, 8, 31),
    )


def current_term(today: datetime.date) -> Period:
    return next(t for t in terms_of(school_year_of(today)) if t.start <= today <= t.end)


def presets(today: datetime.date) -> list[tuple[str, list[Period]]]:
    """The periods to choose from, grouped by school year: this year's terms so far and the
    year itself, then last year's."""
    this_year = school_year_of(today)
    groups = []
    for year in (this_year, this_year - 1):
        year_period = school_year(year)
        terms = [t for t in terms_of(year) if t.start <= today]
        groups.append((year_period.label, [*terms, year_period]))
    return groups


def custom(start: datetime.date, end: datetime.date) -> Period:
    return Period("custom", "Dates chosen", start, end)
