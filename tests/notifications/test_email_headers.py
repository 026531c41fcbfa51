"""Every e-mail names its outbox row in an X-Notification-Id header, and nothing more."""

from acknowledgements.services import declaration_submit
from incidents.models import Category
from notifications.models import Channel, Kind, Notification
from notifications.services import NOTIFICATION_ID_HEADER
from tests.reports import submit


def test_a_report_email_names_its_notification_row_and_nothing_about_the_case(
    se, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.PREVENT)
    rows = incident.notifications.filter(channel=Channel.EMAIL)
    expected = {str(n.pk): n.recipient.email for n in rows}
    assert len(expected) == 2
    received = {m.extra_headers[NOTIFICATION_ID_HEADER]: m.to[0] for m in mailoutbox}
    assert received == expected
    for message in mailoutbox:
        assert set(message.extra_headers) == {NOTIFICATION_ID_HEADER}
        assert NOTIFICATION_ID_HEADER in message.message().as_string()


def test_a_message_that_is_not_about_a_case_names_its_row_too(
    alice, bob, st_elisabeths, mailoutbox, django_capture_on_commit_callbacks
):
    details = {"pupil_name": "P", "class_or_year": "Y1", "relationship": "son"}
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(user=bob, school=st_elisabeths, **details)
    row = Notification.objects.get(kind=Kind.MESSAGE, recipient=alice)
    (message,) = mailoutbox
    assert message.extra_headers == {NOTIFICATION_ID_HEADER: str(row.pk)}
