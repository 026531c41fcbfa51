"""A worker keeps its connection to the SMTP relay between messages, and a message that finds it
closed by the relay, or kept too long, goes on a new one."""

import socket

import pytest

from notifications import email
from notifications.email import send_rendered_email
from tests.notifications.services_support import SMTPRelay

MESSAGE = {"subject": "A report needs your attention", "body": "Open it in the portal."}


@pytest.fixture
def relay(settings):
    relay = SMTPRelay()
    relay.sessions = []
    handler = relay.server.RequestHandlerClass
    setup = handler.setup

    def counted(session) -> None:
        relay.sessions.append(session)
        setup(session)

    handler.setup = counted
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = relay.port
    yield relay
    email._drop_kept()
    relay.close()


def send(to: str) -> None:
    send_rendered_email(MESSAGE, to=[to])


def test_two_messages_go_over_one_connection(relay):
    send("alice@example.com")
    send("bob@example.com")
    assert relay.sent_to() == ["alice@example.com", "bob@example.com"]
    assert len(relay.sessions) == 1


def test_a_connection_the_relay_closed_is_replaced_and_the_message_sent(relay):
    send("alice@example.com")
    relay.sessions[0].request.shutdown(socket.SHUT_RDWR)  # the relay hangs up while it is kept
    send("bob@example.com")
    assert relay.sent_to() == ["alice@example.com", "bob@example.com"]
    assert len(relay.sessions) == 2


def test_a_connection_kept_too_long_is_not_used_again(relay, monkeypatch):
    monkeypatch.setattr(email, "SMTP_KEEP_SECONDS", -1)
    send("alice@example.com")
    send("bob@example.com")
    assert relay.sent_to() == ["alice@example.com", "bob@example.com"]
    assert len(relay.sessions) == 2


def test_a_relay_that_is_down_fails_the_send_and_keeps_nothing(relay):
    relay.close()
    with pytest.raises(OSError):
        send("alice@example.com")
    assert email._kept.connection is None
