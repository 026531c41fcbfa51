"""The period the incident figures cover: a term, a school year, or dates chosen."""

import datetime
import itertools

import pytest
from django.utils import timezone

from governance.forms import PeriodForm
from governance.periods import current_term, custom, presets, school_year, terms_of

D = datetime.date


@pytest.mark.parametrize(
    ("day", "key", "start", "end"),
    [
        (D(2026, 9, 1), "2026-autumn", D(2026, 9, 1), D(2026, 12, 31)),
        (D(2026, 12, 31), "2026-autumn", D(2026, 9, 1), D(2026, 12, 31)),
        (D(2027, 1, 1), "2026-spring", D(2027, 1, 1), D(2027, 3, 31)),
        (D(2027, 3, 31), "2026-spring", D(2027, 1, 1), D(2027, 3, 31)),
        (D(2027, 4, 1), "2026-summer", D(2027, 4, 1), D(2027, 8, 31)),
        (D(2027, 8, 31), "2026-summer", D(2027, 4, 1), D(2027, 8, 31)),
    ],
)
def test_every_day_belongs_to_one_term_of_the_school_year_starting_in_september(
    day, key, start, end
):
    term = current_term(day)
    assert (term.key, term.start, term.end) == (key, start, end)


def test_the_terms_of_a_school_year_cover_it_without_gap_or_overlap():
    terms = terms_of(2026)
    assert terms[0].start == school_year(2026).start
    assert terms[-1].end == school_year(2026).end
    for earlier, later in itertools.pairwise(terms):
        assert later.start == earlier.end + datetime.timedelta(days=1)
    assert [t.label for t in terms] == ["Autumn term 2026", "Spring term 2027", "Summer term 2027"]
    assert school_year(2026).label == "School year 2026–27"


def test_the_choices_are_this_years_terms_so_far_and_all_of_last_years():
    groups = presets(D(2027, 2, 10))
    assert [label for label, _ in groups] == ["School year 2026–27", "School year 2025–26"]
    assert [p.key for p in groups[0][1]] == ["2026-autumn", "2026-spring", "2026-year"]
    assert [p.key for p in groups[1][1]] == [
        "2025-autumn",
        "2025-spring",
        "2025-summer",
        "2025-year",
    ]


def test_a_period_knows_its_months_across_the_new_year():
    months = school_year(2026).months()
    assert months[0] == D(2026, 9, 1) and months[-1] == D(2027, 8, 1) and len(months) == 12
    assert current_term(D(2026, 10, 5)).months() == [D(2026, m, 1) for m in (9, 10, 11, 12)]


def test_a_period_runs_from_midnight_to_midnight_in_uk_time():
    start, after = terms_of(2026)[2].bounds()  # summer term 2027, in British Summer Time
    assert start == timezone.make_aware(datetime.datetime(2027, 4, 1))
    assert start.utcoffset() == datetime.timedelta(hours=1)
    assert after == timezone.make_aware(datetime.datetime(2027, 9, 1))


TODAY = D(2026, 11, 22)


def chosen(**data):
    form = PeriodForm(data or None, today=TODAY)
    return form, form.chosen()


def test_with_nothing_chosen_the_period_is_the_current_term():
    form, period = chosen()
    assert period.key == "2026-autumn"
    assert not form.errors
    assert form.query() == "period=2026-autumn"


def test_a_term_of_last_year_can_be_chosen():
    form, period = chosen(period="2025-spring")
    assert (period.start, period.end) == (D(2026, 1, 1), D(2026, 3, 31))
    assert form.query() == "period=2025-spring"


def test_dates_can_be_chosen_and_win_over_a_term():
    form, period = chosen(period="2025-spring", start="2026-10-01", end="2026-10-31")
    assert (period.key, period.start, period.end) == ("custom", D(2026, 10, 1), D(2026, 10, 31))
    assert period.title == "1 October 2026 to 31 October 2026"
    assert form.query() == "start=2026-10-01&end=2026-10-31"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "2026-10-01"}, "Enter the last day of the period as well as the first."),
        ({"end": "2026-10-01"}, "Enter the first day of the period as well as the last."),
        (
            {"start": "2026-10-31", "end": "2026-10-01"},
            "The last day must be on or after the first",
        ),
        ({"start": "2026-12-01", "end": "2026-12-31"}, "The first day cannot be in the future."),
        ({"start": "2023-01-01", "end": "2026-01-01"}, "Choose a period of two years or less."),
        ({"start": "1st October", "end": "2026-10-31"}, "Enter the first day as a date"),
        ({"period": "1999-autumn"}, "Choose one of the terms or school years in the list."),
    ],
)
def test_a_period_that_cannot_be_used_says_why_and_falls_back_to_the_term(data, message):
    form, period = chosen(**data)
    assert message in str(form.errors)
    assert period.key == "2026-autumn"


def test_a_period_may_end_after_today_when_it_starts_before():
    form, period = chosen(start="2026-11-01", end="2026-12-31")
    assert not form.errors
    assert period.end == D(2026, 12, 31)


def test_a_period_is_named_in_full_or_briefly():
    term, dates = current_term(D(2026, 10, 5)), custom(D(2026, 10, 1), D(2026, 10, 31))
    assert term.during == "in Autumn term 2026 (1 September 2026 to 31 December 2026)"
    assert term.briefly == "in Autumn term 2026"
    assert dates.during == "from 1 October 2026 to 31 October 2026"
    assert dates.briefly == "from 1 Oct 2026 to 31 Oct 2026"
