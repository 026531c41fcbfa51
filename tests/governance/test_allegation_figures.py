"""The dashboard's concerns about adults: allegations by where they stand and by outcome,
low-level concerns, and the LADO consulted in time — every count suppressed like incidents."""

import datetime

import pytest
from django.utils import timezone

from allegations.models import Allegation, LowLevelConcern, Outcome, Threshold
from governance.periods import Period
from governance.selectors.allegations import allegations_section
from governance.selectors.scope import Scope
from tests.allegations.support import opened, report_about

HOUR = datetime.timedelta(hours=1)


def figures(school) -> dict:
    today = timezone.localdate()
    period = Period("custom", "", today - datetime.timedelta(days=30), today)
    section = allegations_section(Scope.of_school(school), period)
    return {
        (table.caption, row.label): row.cells[0].text
        for table in section.tables
        for row in table.rows
    }


def allegations(se, n: int, **fields) -> list[Allegation]:
    made = [opened(report_about(se.teacher, se.school, se.governor)) for _ in range(n)]
    Allegation.objects.filter(pk__in=[a.pk for a in made]).update(**fields)
    return made


def test_a_handful_of_allegations_shows_only_fewer_than_5(se):
    allegations(se, 3, outcome=Outcome.UNSUBSTANTIATED, closed_at=timezone.now())
    shown = figures(se.school)
    assert set(v for (caption, _), v in shown.items() if "Allegations about adults" in caption) == {
        "fewer than 5"
    }
    assert shown[(
        "Allegations that may meet the harm threshold: the LADO consulted within one working day",
        "Share consulted in time",
    )] == "–"  # fmt: skip


def test_enough_allegations_are_counted_and_the_lado_share_shown(se):
    now = timezone.now()
    allegations(se, 6, threshold=Threshold.MAY_MEET, lado_due_at=now, lado_contacted_at=now - HOUR)
    late = allegations(se, 4, threshold=Threshold.MAY_MEET, lado_due_at=now - HOUR)
    Allegation.objects.filter(pk__in=[a.pk for a in late]).update(lado_contacted_at=now)
    shown = figures(se.school)
    assert shown[("Allegations about adults, by where they stand", "Open")] == "10"
    assert shown[("Allegations about adults, by outcome", "No outcome yet")] == "10"
    lado = "Allegations that may meet the harm threshold: the LADO consulted within one working day"
    assert shown[(lado, "Share consulted in time")] == "60%"
    assert shown[(lado, "Low-level concerns raised")] == "0"


def test_low_level_concerns_are_counted_and_suppressed(se):
    for _ in range(2):
        LowLevelConcern.objects.create(
            school=se.school, raised_by=se.teacher, subject=se.teacher, handler=se.head,
            happened_on=timezone.localdate(), what_happened="Messaged a parent late at night.",
        )  # fmt: skip
    lado = "Allegations that may meet the harm threshold: the LADO consulted within one working day"
    assert figures(se.school)[(lado, "Low-level concerns raised")] == "fewer than 5"


@pytest.mark.parametrize("n", [0, 1])
def test_the_section_is_one_query(se, n, django_assert_num_queries):
    allegations(se, n)
    with django_assert_num_queries(1):
        figures(se.school)
