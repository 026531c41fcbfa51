"""E-mails that are not about a case go through the outbox too: a relay that is down delays
them, it loses nothing and breaks nothing, and a sign-in link leaves the outbox once sent."""

import pytest
from django.core import mail

from acknowledgements.services.declarations import declaration_submit
from notifications.models import Kind, Notification, Status
from notifications.services import notification_deliver
from people.services import invitation_send
from tests.factories import UserFactory

DETAILS = {"pupil_name": "P", "class_or_year": "Y1", "relationship": "son"}


@pytest.fixture
def relay_down(monkeypatch):
    def refuse(self, messages):
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)


def test_a_relay_that_is_down_keeps_the_message_for_a_retry_and_saves_the_declaration(
    alice, bob, st_elisabeths, relay_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        declaration = declaration_submit(user=bob, school=st_elisabeths, **DETAILS)
    assert declaration.pk
    message = Notification.objects.get(kind=Kind.MESSAGE, recipient=alice)
    assert message.status == Status.PENDING
    assert "relay down" in message.last_error
    assert message.message["subject"] == "A declaration is waiting for your decision"


def test_the_retry_sends_it_once_the_relay_is_back(
    alice, bob, st_elisabeths, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda self, m: (_ for _ in ()).throw(OSError("down")),
    )
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(user=bob, school=st_elisabeths, **DETAILS)
    monkeypatch.undo()
    message = Notification.objects.get(kind=Kind.MESSAGE)
    Notification.objects.filter(pk=message.pk).update(next_attempt_at=None)
    assert notification_deliver(notification_id=message.pk).status == "sent"
    [email] = mail.outbox
    assert email.to == ["alice@se.example"]
    assert "P" not in email.subject


def test_an_invitations_link_is_emptied_from_the_outbox_once_sent(
    alice, django_capture_on_commit_callbacks
):
    newcomer = UserFactory(email="new@se.example")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(user=newcomer, by=alice)
    [email] = mail.outbox
    assert "/invitations/" in email.body
    row = Notification.objects.get(recipient=newcomer)
    assert row.status == Status.SENT
    assert row.message == {}
