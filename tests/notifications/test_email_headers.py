"""Every e-mail names its outbox row in an X-Notification-Id header and a Message-ID derived from
it, the same on every send of the row, and nothing more."""

import re

from acknowledgements.services.declarations import declaration_submit
from incidents.models import Category
from notifications import services
from notifications.models import Channel, Kind, Notification, Status
from notifications.services import NOTIFICATION_ID_HEADER
from tests.reports import submit

HEADERS = {NOTIFICATION_ID_HEADER, "Message-ID"}


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
        assert set(message.extra_headers) == HEADERS
        assert NOTIFICATION_ID_HEADER in message.message().as_string()
        assert incident.reference not in message.extra_headers["Message-ID"]


def test_a_message_that_is_not_about_a_case_names_its_row_too(
    alice, bob, st_elisabeths, mailoutbox, django_capture_on_commit_callbacks
):
    details = {"pupil_name": "P", "class_or_year": "Y1", "relationship": "son"}
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(user=bob, school=st_elisabeths, **details)
    row = Notification.objects.get(kind=Kind.MESSAGE, recipient=alice)
    (message,) = mailoutbox
    assert message.extra_headers == {
        NOTIFICATION_ID_HEADER: str(row.pk),
        "Message-ID": services.notification_message_id(row),
    }


def send_again(notification: Notification) -> None:
    """What a worker killed after the relay accepted the message leaves: the row still pending,
    delivered again once its claim lapses."""
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.PENDING, next_attempt_at=None
    )
    assert services.notification_deliver(notification_id=notification.pk).status == "sent"


def test_a_resent_email_carries_the_same_message_id_and_another_row_a_different_one(
    se, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.PREVENT)
    first, second = incident.notifications.filter(channel=Channel.EMAIL).order_by("pk")
    send_again(first)
    once = (first.recipient.email, services.notification_message_id(first))
    other = (second.recipient.email, services.notification_message_id(second))
    assert once[1] != other[1]
    # Three sends, on the wire: each row once, then the first again under its own Message-ID.
    sent = [(m.to[0], m.message()["Message-ID"]) for m in mailoutbox]
    assert sorted(sent) == sorted([once, other, once])
    assert sent[-1] == once


def test_the_message_id_is_well_formed_and_names_the_row_and_the_portal(
    se, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://conduct.stelisabeths.example"
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school)
    row = incident.notifications.get(channel=Channel.EMAIL)
    message_id = services.notification_message_id(row)
    assert re.fullmatch(
        rf"<notification-{row.pk}\.[0-9a-f]{{16}}@conduct\.stelisabeths\.example>", message_id
    )
    # Derived from the row alone: reloading it changes nothing.
    assert services.notification_message_id(Notification.objects.get(pk=row.pk)) == message_id


def test_a_plain_text_email_is_not_html_escaped():
    from notifications.email import render_templated_email

    class Recipient:
        def get_short_name(self) -> str:
            return "O'Brien"

    rendered = render_templated_email(
        "role_vacant", {"recipient": Recipient(), "school": "St Elisabeth's", "roles": ["Chair"]}
    )
    assert rendered["subject"] == "A role needs filling at St Elisabeth's"
    assert "Dear O'Brien," in rendered["body"] and "&#x27;" not in rendered["body"]
