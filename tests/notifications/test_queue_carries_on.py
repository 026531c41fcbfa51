"""Handing deliveries to the broker stops only for the broker: a message that cannot be queued
for a reason of its own holds up none of the others."""

import logging

import pytest
from kombu.exceptions import OperationalError

from notifications import services, tasks
from notifications.models import Channel, Kind, Notification, Status


@pytest.fixture
def rows(bob):
    return [
        Notification.objects.create(recipient=bob, kind=Kind.MESSAGE, channel=Channel.EMAIL)
        for _ in range(3)
    ]


def test_a_message_that_cannot_be_queued_holds_up_no_other(rows, monkeypatch, caplog):
    bad = rows[0].pk
    sent = []

    def apply_async(args, **kwargs):
        if args[0] == bad:
            raise TypeError("cannot serialise this one")
        sent.append(args[0])

    monkeypatch.setattr(tasks.deliver, "apply_async", apply_async)
    with caplog.at_level(logging.ERROR):
        assert services.deliveries_queue([(row.pk, False) for row in rows]) == 2
    assert sent == [rows[1].pk, rows[2].pk]
    assert f"Notification {bad} could not be queued (TypeError)" in caplog.text
    assert services.broker.resting_until == 0  # the broker is not blamed
    [left] = Notification.objects.filter(status=Status.PENDING, queued_at__isnull=True)
    assert left.pk == bad  # still pending: the sweeper queues it again


def test_a_broker_that_is_down_still_stops_the_rest(rows, monkeypatch):
    attempts = []

    def broker_down(args, **kwargs):
        attempts.append(args[0])
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.deliver, "apply_async", broker_down)
    assert services.deliveries_queue([(row.pk, False) for row in rows]) == 0
    assert attempts == [rows[0].pk]
    assert [pk for pk, _ in services.broker.held] == [row.pk for row in rows]
