"""Median time to acknowledge and escalations: computed by the database, small ones withheld."""

import datetime

from django.db.models import F

from governance import selectors
from governance.periods import custom
from governance.selectors.triage import NONE_YET, describe
from governance.suppression import FEWER_THAN_5, WITHHELD
from incidents.models import Incident
from tests.governance.data import reports, rows

D = datetime.date
AUTUMN_2025 = custom(D(2025, 9, 1), D(2025, 12, 31))
TODAY = D(2026, 11, 22)


def acknowledged_after(incidents, *minutes, escalated=False):
    for incident, wait in zip(incidents, minutes, strict=True):
        Incident.objects.filter(pk=incident.pk).update(
            acknowledged_at=F("created_at") + datetime.timedelta(minutes=wait),
            escalated_at=F("created_at") if escalated else None,
        )


def figures(school, key):
    return rows(selectors.school_dashboard(school, AUTUMN_2025, today=TODAY), key)


def test_the_median_time_to_acknowledge_is_the_middle_wait(villiers):
    acknowledged_after(reports(villiers, on=D(2025, 10, 1), n=5), 50, 10, 40, 20, 30)
    table = figures(villiers, "acknowledge")
    assert table["All reports"] == ["5", "30 minutes"]
    assert table["Other reports"] == ["5", "30 minutes"]
    assert table["Urgent reports"] == ["0", NONE_YET]


def test_with_an_even_number_the_median_is_between_the_middle_two(villiers):
    acknowledged_after(reports(villiers, on=D(2025, 10, 1), n=6), 10, 20, 30, 90, 100, 200)
    assert figures(villiers, "acknowledge")["All reports"][1] == "1 h 00 min"


def test_urgent_and_other_reports_each_have_their_own_median(villiers):
    acknowledged_after(reports(villiers, on=D(2025, 10, 1), n=5, urgent=True), 50, 10, 30, 20, 40)
    acknowledged_after(reports(villiers, on=D(2025, 10, 2), n=6), 600, 100, 500, 200, 400, 300)
    table = figures(villiers, "acknowledge")
    assert table["All reports"] == ["11", "1 h 40 min"]  # the 6th of 10, 20, … 50, 100, … 600
    assert table["Urgent reports"] == ["5", "30 minutes"]
    assert table["Other reports"] == ["6", "5 h 50 min"]  # between 300 and 400


def test_a_median_over_fewer_than_5_reports_is_withheld_and_so_is_their_count(villiers):
    acknowledged_after(reports(villiers, on=D(2025, 10, 1), n=4, urgent=True), 5, 6, 7, 8)
    table = figures(villiers, "acknowledge")
    assert table["All reports"] == [FEWER_THAN_5, WITHHELD]
    assert table["Urgent reports"][1] == WITHHELD


def test_unacknowledged_reports_do_not_count_towards_the_median(villiers):
    reports(villiers, on=D(2025, 10, 1), n=7)
    acknowledged_after(reports(villiers, on=D(2025, 10, 2), n=5), 60, 60, 60, 60, 60)
    assert figures(villiers, "acknowledge")["All reports"] == ["5", "1 h 00 min"]


def test_escalations_are_counted_by_urgency_and_small_counts_withheld(villiers):
    acknowledged_after(
        reports(villiers, on=D(2025, 10, 1), n=6, urgent=True), *[90] * 6, escalated=True
    )
    acknowledged_after(reports(villiers, on=D(2025, 10, 1), n=2), 5000, 5000, escalated=True)
    table = figures(villiers, "escalations")
    assert table["Other reports"] == [FEWER_THAN_5]
    assert table["Urgent reports"] == [WITHHELD]  # or the total less it would give the 2 away
    assert table["All reports"] == ["8"]


def test_reports_outside_the_period_are_not_counted(villiers):
    acknowledged_after(reports(villiers, on=D(2026, 2, 1), n=5), 1, 2, 3, 4, 5)
    assert figures(villiers, "acknowledge")["All reports"] == ["0", NONE_YET]


def test_waits_read_as_a_governor_would_say_them():
    assert describe(datetime.timedelta(minutes=1)) == "1 minute"
    assert describe(datetime.timedelta(hours=26, minutes=5)) == "26 h 05 min"
    assert describe(datetime.timedelta(days=3, hours=4)) == "3 days 4 h"
    assert describe(None) == WITHHELD


def test_the_page_shows_both_figures(client, villiers):
    from people.models import Role
    from tests.factories import person

    client.force_login(person(villiers, Role.GOVERNOR))
    page = client.get("/governance/schools/villiers/").text
    assert "Time to acknowledge" in page and "Escalations" in page
