"""The dashboard's number of queries does not grow with the data: every figure is an aggregate
computed by the database."""

import datetime
import itertools
import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.models import F
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from acknowledgements.models import ApprovalRequest, Declaration
from governance.periods import current_term
from incidents.models import Category, Incident, Status
from people.models import StaffCategory
from signin import sessions
from tests.factories import SchoolFactory
from tests.governance.data import reports, signed, staff, waiting


def fill(school, version, size: int) -> None:
    """size people in every staff category, half of them signed; size declarations and requests
    waiting; and 3 × size reports across categories, statuses and the term's months."""
    people = staff(school, size, *StaffCategory.values)
    for user in people[::2]:
        signed(user, version)
    for n, user in enumerate(people):
        waiting(Declaration, school, user, days_ago=n % 40)
        waiting(ApprovalRequest, school, user, days_ago=n % 40)
    today = timezone.localdate()
    days = [d for d in (current_term(today).start + datetime.timedelta(days=k) for k in range(0, 120, 9)) if d <= today]  # fmt: skip
    kinds = itertools.cycle(itertools.product(Category.values, Status.values))
    for n in range(size):
        category, status = next(kinds)
        made = reports(school, on=days[n % len(days)], n=3, category=category, status=status)
        if status != Status.NEW:  # acknowledged some minutes later, and some escalated first
            Incident.objects.filter(pk__in=[i.pk for i in made]).update(
                acknowledged_at=F("created_at") + datetime.timedelta(minutes=10 + n),
                escalated_at=F("created_at") if n % 3 == 0 else None,
            )


def count(user, url: str) -> int:
    """The queries the dashboard itself makes: its view is called without the middleware, whose
    queries (the session, the signed-in user, session tracking) are the same for every page."""
    request = RequestFactory().get(url)
    request.user = user
    # Just signed in, as the exports ask (a session in memory: no query of its own).
    request.session = SessionStore()
    request.session[sessions.AUTHENTICATION_RECORDS_USER_KEY] = str(user.pk)
    request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time()}
    ]
    match = resolve(url)
    with CaptureQueriesContext(connection) as queries:
        response = match.func(request, *match.args, **match.kwargs)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("export", ["", "figures.csv"])
def test_a_schools_dashboard_takes_the_same_queries_for_ten_times_the_data(
    gwen, villiers, villiers_policy, export
):
    # Expected: the school with the reader's permission there (one); current versions;
    # sign-off overall, by staff category, and its course (one each); declarations and requests
    # waiting (one, side by side); the period's reports counted by category, status, month and urgency,
    # with how many were acknowledged and escalated (one); the middle of the waits to
    # acknowledge, overall, urgent and other (one); allegations and low-level concerns about
    # adults counted side by side (one); and for the page, the reader's trusts and schools to
    # link to (one) = 10 (9 for the CSV).
    url = f"/governance/schools/villiers/{export}"
    fill(villiers, villiers_policy, 4)
    few = count(gwen, url)
    fill(villiers, villiers_policy, 36)  # 40 in all
    many = count(gwen, url)
    assert few == many == (10 if not export else 9)


def test_a_trusts_dashboard_takes_the_same_queries_for_ten_times_the_data_and_more_schools(
    hana, shine, villiers, oscar, villiers_policy
):
    # Expected: the trust with the reader's permission in it (one); its schools; current
    # versions; sign-off overall, by staff category, by school, and its course; declarations and
    # requests waiting, overall (one) and by school (two); the period's reports counted (one) and the
    # middle of their waits (one); allegations and low-level concerns about adults (one); the
    # reader's governing roles, and their trusts' schools, to link to (two) = 15.
    fill(villiers, villiers_policy, 4)
    few = count(hana, "/governance/trusts/shine/")
    fill(villiers, villiers_policy, 36)
    fill(oscar, villiers_policy, 40)
    fill(SchoolFactory(trust=shine), villiers_policy, 40)
    many = count(hana, "/governance/trusts/shine/")
    assert few == many == 15
