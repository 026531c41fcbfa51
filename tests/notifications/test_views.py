"""The bell with its count, and the notifications page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conduct_portal.celery import app as celery_app
from incidents.models import Category
from notifications.models import Channel, Notification, Status
from tests.reports import submit
from tests.support import celery_setting

LOGIN = "/accounts/login/"


@pytest.fixture
def two_reports(se, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return [
            submit(se.teacher, se.school, category=Category.BREACH),
            submit(se.teacher, se.school, category=Category.PREVENT),
        ]


def test_the_bell_counts_unread_in_app_notifications(client, se, two_reports):
    client.force_login(se.head)
    html = client.get("/notifications/bell/").text
    assert 'aria-label="Notifications, 2 unread"' in html
    assert 'hx-trigger="every 60s"' in html
    client.force_login(se.dsl)
    assert 'aria-label="Notifications, 1 unread"' in client.get("/notifications/bell/").text
    client.force_login(se.teacher)
    assert 'aria-label="Notifications, none unread"' in client.get("/notifications/bell/").text


@pytest.fixture
def no_worker(monkeypatch):
    """A broker that takes messages and no worker to consume them: Celery as production runs it
    with every worker down. Deliveries are published to the in-process broker and stay there."""
    celery_setting(monkeypatch, "task_always_eager", False)
    try:
        yield
    finally:
        with celery_app.connection_for_write() as connection:
            for queue in ("celery", "urgent"):
                connection.default_channel.queue_purge(queue)


def test_an_urgent_alert_is_in_the_bell_the_moment_the_report_commits_with_no_worker_running(
    client, se, no_worker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.PREVENT)
    # The e-mails were handed to the broker and wait there for a worker: nothing was sent.
    emails = incident.notifications.filter(channel=Channel.EMAIL)
    assert [(n.status, bool(n.queued_at)) for n in emails] == [(Status.PENDING, True)] * 2
    assert mailoutbox == []
    for person in (se.dsl, se.head):
        client.force_login(person)
        assert 'aria-label="Notifications, 1 unread"' in client.get("/notifications/bell/").text
        html = client.get("/notifications/").text
        assert f"Open report {incident.reference}" in html
        assert html.count(">Urgent</span>") == 1


def test_every_page_loads_the_bell_without_a_query_of_its_own(client, se):
    client.force_login(se.teacher)
    html = client.get("/incidents/mine/").text
    assert 'hx-get="/notifications/bell/" hx-trigger="load, every 60s"' in html
    assert 'aria-label="Notifications"' in html


def test_the_notifications_page_lists_ones_own_and_marks_them_read(client, se, two_reports):
    breach, prevent = two_reports
    client.force_login(se.head)
    html = client.get("/notifications/").text
    assert "2 unread." in html
    assert f'href="/incidents/{prevent.pk}/">Open report {prevent.reference}' in html
    assert html.index(prevent.reference) < html.index(breach.reference)
    assert html.count(">Urgent</span>") == 1
    response = client.post("/notifications/", follow=True)
    assert "2 notifications marked as read." in response.text
    assert "Nothing unread." in response.text
    unread = Notification.objects.filter(channel=Channel.IN_APP, read_at__isnull=True)
    assert list(unread.values_list("recipient", flat=True)) == [se.dsl.pk]


def test_nobody_sees_anyone_elses_notifications(client, se, two_reports):
    client.force_login(se.teacher)
    html = client.get("/notifications/").text
    assert "You have no notifications." in html
    assert two_reports[0].reference not in html


@pytest.mark.parametrize("url", ["/notifications/", "/notifications/bell/"])
@pytest.mark.parametrize(("who", "expected"), [("anonymous", LOGIN), ("staff", 200), ("head", 200)])
def test_notification_pages_access_by_role(client, se, url, who, expected):
    people = {"anonymous": None, "staff": se.teacher, "head": se.head}
    if people[who]:
        client.force_login(people[who])
    response = client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    else:
        assert response.status_code == expected


def test_the_notifications_page_query_count_does_not_grow_with_notifications(
    client, se, django_capture_on_commit_callbacks
):
    # Expected: session, user, the notifications with their report and school, unread count = 4.
    client.force_login(se.head)
    with django_capture_on_commit_callbacks(execute=True):
        submit(se.teacher, se.school)
    with CaptureQueriesContext(connection) as one:
        client.get("/notifications/")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            submit(se.teacher, se.school)
    with CaptureQueriesContext(connection) as four:
        assert client.get("/notifications/").text.count('class="list-group-item') == 4
    assert len(one) == len(four) == 4
