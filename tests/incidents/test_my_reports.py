"""My reports: each report's status, never the case."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Category, Incident, Status
from tests.reports import png, submit

LOGIN = "/accounts/login/"


def test_the_reporter_sees_each_reports_status_but_not_its_content(client, se):
    first = submit(se.teacher, se.school, category=Category.BREACH, description="Secret details")
    submit(se.teacher, se.school, category=Category.PREVENT, files=[png()])
    Incident.objects.filter(pk=first.pk).update(status=Status.INVESTIGATING)
    client.force_login(se.teacher)
    html = client.get("/incidents/mine/").text
    assert "Being investigated" in html
    assert "New" in html
    assert "Prevent: risk of radicalisation" in html
    assert "1 file" in html
    assert "Secret details" not in html
    assert f'href="/incidents/{first.pk}/"' not in html


def test_only_ones_own_reports_are_listed(client, se):
    submit(se.head, se.school, category=Category.BREACH)
    client.force_login(se.teacher)
    assert "You have not made any report." in client.get("/incidents/mine/").text


@pytest.mark.parametrize(("who", "expected"), [("anonymous", LOGIN), ("staff", 200)])
def test_my_reports_access_by_role(client, se, who, expected):
    if who == "staff":
        client.force_login(se.teacher)
    response = client.get("/incidents/mine/")
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    else:
        assert response.status_code == 200


def test_my_reports_query_count_does_not_grow_with_reports(client, se):
    # Expected: session, user, marking the reporter's status notifications read (one UPDATE),
    # the reports with their school and file count = 4.
    client.force_login(se.teacher)
    submit(se.teacher, se.school)
    with CaptureQueriesContext(connection) as one:
        client.get("/incidents/mine/")
    for _ in range(3):
        submit(se.teacher, se.school, files=[png()])
    with CaptureQueriesContext(connection) as four:
        assert client.get("/incidents/mine/").text.count('class="list-group-item"') == 4
    assert len(one) == len(four) == 4
