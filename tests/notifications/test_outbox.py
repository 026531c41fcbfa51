"""The outbox: rows written with the report, delivered once, retried with backoff, swept."""

import datetime
import smtplib
import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from conduct_portal.celery import app as celery_app
from incidents.models import Category, Incident, SubjectKind
from notifications import services, tasks
from notifications.models import Channel, Notification, NotificationAttempt, Status
from tests.reports import submit


class Rollback(Exception):
    pass


@pytest.fixture
def queued(monkeypatch):
    """Every delivery handed to Celery, as (task name, notification id), instead of running it."""
    calls = []
    for task in (tasks.deliver, tasks.deliver_urgent):
        monkeypatch.setattr(
            task, "apply_async", lambda args, _name=task.name, **kw: calls.append((_name, args[0]))
        )
    return calls


def test_a_report_whose_transaction_rolls_back_writes_and_sends_nothing(
    se, queued, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        submit(se.teacher, se.school, category=Category.PREVENT)
        assert Notification.objects.count() == 4
        raise Rollback
    assert callbacks == []
    assert queued == []
    assert mailoutbox == []
    assert not Incident.objects.exists()
    assert not Notification.objects.exists()


def test_deliveries_are_queued_only_when_the_report_commits(
    se, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        incident = submit(se.teacher, se.school, category=Category.BREACH)
        assert queued == []
    for callback in callbacks:
        callback()
    ids = list(incident.notifications.order_by("pk").values_list("pk", flat=True))
    assert queued == [("notifications.deliver", pk) for pk in ids]
    assert all(n.queued_at for n in incident.notifications.all())


def test_urgent_notifications_go_to_the_urgent_task_and_queue(
    se, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(se.teacher, se.school, category=Category.PREVENT)
    assert {name for name, _ in queued} == {"notifications.deliver_urgent"}
    router = celery_app.amqp.router
    assert router.route({}, "notifications.deliver_urgent")["queue"].name == "urgent"
    assert router.route({}, "notifications.sweep")["queue"].name == "urgent"
    assert router.route({}, "notifications.deliver")["queue"].name == "celery"


def test_delivery_tasks_acknowledge_late_and_retry_a_bounded_number_of_times():
    for task in (tasks.deliver, tasks.deliver_urgent):
        assert task.acks_late is True
        assert task.max_retries == services.MAX_ATTEMPTS
        assert task.time_limit < services.DEFAULT_CLAIM_SECONDS


def test_the_sweeper_runs_every_minute_on_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-sweep"]
    assert entry["task"] == "notifications.sweep"
    assert entry["schedule"] == 60.0


def test_each_recipient_gets_an_email_and_an_in_app_notification(
    se, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.PREVENT)
    rows = incident.notifications.all()
    assert {(n.recipient, n.channel, n.status) for n in rows} == {
        (user, channel, Status.SENT)
        for user in (se.head, se.dsl)
        for channel in (Channel.EMAIL, Channel.IN_APP)
    }
    assert all(n.attempts == 1 and n.sent_at for n in rows)
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@se.example", "dsl@se.example"]


def test_an_email_says_only_that_something_needs_attention_its_urgency_and_a_link(
    se, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(
            se.teacher,
            se.school,
            category=Category.PUPIL_CONTACT,
            subject_kind=SubjectKind.ADULT,
            subject_user=se.deputy_head,
            platform="Snapchat",
            content_address="https://snap.example/u/dora",
            description="Messaging a Year 6 pupil late at night.",
        )
    message = mailoutbox[0]
    assert (
        message.subject
        == f"Urgent: a report needs your attention ({incident.reference}) — Conduct Portal"
    )
    assert f"{settings.SITE_URL}/incidents/{incident.pk}/" in message.body
    assert "URGENT" in message.body
    for detail in (
        "Messaging",
        "Year 6",
        "Snapchat",
        "snap.example",
        "Dora",
        "Bob",
        "contact with a pupil",
        "Contact with a pupil",
    ):
        assert detail not in message.subject + message.body


def test_a_normal_report_email_is_not_marked_urgent(
    se, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(se.teacher, se.school, category=Category.BREACH)
    (message,) = mailoutbox
    assert message.subject.startswith("A report needs your attention")
    assert "URGENT" not in message.body


@pytest.fixture
def pending(se, queued, django_capture_on_commit_callbacks):
    """One pending e-mail notification to the Head, not yet delivered."""
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.BREACH)
    return incident.notifications.get(channel=Channel.EMAIL)


def test_delivery_is_idempotent_by_notification_id(pending, mailoutbox):
    first = services.notification_deliver(notification_id=pending.pk)
    second = services.notification_deliver(notification_id=pending.pk)
    assert (first.status, second.status) == ("sent", "skipped")
    assert len(mailoutbox) == 1
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == (Status.SENT, 1)


def test_a_second_worker_cannot_deliver_a_notification_another_is_delivering(
    pending, mailoutbox, monkeypatch
):
    real_send = services._send
    seen = []

    def send_while_another_worker_tries(notification):
        seen.append(services.notification_deliver(notification_id=notification.pk).status)
        real_send(notification)

    monkeypatch.setattr(services, "_send", send_while_another_worker_tries)
    assert services.notification_deliver(notification_id=pending.pk).status == "sent"
    assert seen == ["skipped"]
    assert len(mailoutbox) == 1


def fail_email(monkeypatch):
    def broken(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("relay went away")

    monkeypatch.setattr(services, "send_templated_email", broken)


def test_a_failed_attempt_is_recorded_with_its_error_and_backs_off(pending, monkeypatch):
    fail_email(monkeypatch)
    before = timezone.now()
    outcome = services.notification_deliver(notification_id=pending.pk, worker="celery@test")
    assert outcome == services.Outcome("retry", retry_in=30)
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    assert pending.attempts == 1
    assert pending.last_error == "SMTPServerDisconnected: relay went away"
    assert pending.next_attempt_at >= before + datetime.timedelta(seconds=30)
    (attempt,) = pending.attempt_log.all()
    assert (attempt.number, attempt.worker, attempt.succeeded) == (1, "celery@test", False)
    assert attempt.error == "SMTPServerDisconnected: relay went away"
    # Not due again until its backoff has run out.
    assert services.notification_deliver(notification_id=pending.pk).status == "skipped"


def test_retries_back_off_and_stop_failed_after_the_last_attempt(pending, monkeypatch, caplog):
    fail_email(monkeypatch)
    outcomes = []
    for _ in range(services.MAX_ATTEMPTS):
        Notification.objects.filter(pk=pending.pk).update(next_attempt_at=None)
        outcomes.append(services.notification_deliver(notification_id=pending.pk))
    assert [o.retry_in for o in outcomes] == [30, 120, 600, 1800, None]
    assert outcomes[-1].status == "failed"
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == (Status.FAILED, 5)
    assert pending.attempt_log.filter(succeeded=False).count() == 5
    assert "failed for good after 5 attempts" in caplog.text
    Notification.objects.filter(pk=pending.pk).update(next_attempt_at=None)
    assert services.notification_deliver(notification_id=pending.pk).status == "skipped"


def test_the_task_retries_with_the_backoff_on_a_worker(pending, monkeypatch):
    fail_email(monkeypatch)
    retried = []

    class Retry(Exception):
        pass

    def retry(countdown):
        retried.append(countdown)
        return Retry()

    task = SimpleNamespace(request=SimpleNamespace(hostname="w1", is_eager=False), retry=retry)
    with pytest.raises(Retry):
        tasks._deliver(task, pending.pk)
    assert retried == [30]


def test_in_process_a_failure_is_left_to_the_sweeper_not_retried_at_once(pending, monkeypatch):
    fail_email(monkeypatch)
    assert tasks.deliver.apply(args=[pending.pk]).get() == "retry"
    pending.refresh_from_db()
    assert pending.attempts == 1


def test_an_unreachable_broker_delays_delivery_but_loses_nothing(
    se, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.BREACH)
    assert Incident.objects.filter(pk=incident.pk).exists()
    rows = incident.notifications.all()
    assert [(n.status, n.queued_at) for n in rows] == [(Status.PENDING, None)] * 2
    assert "could not be queued now; the sweeper will queue it again" in caplog.text


def test_after_a_broker_failure_reports_do_not_wait_for_it_and_are_queued_once_it_is_back(
    se, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    attempts = []

    def broker_down(*args, **kwargs):
        attempts.append(kwargs["args"])
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "apply_async", broker_down)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            submit(se.teacher, se.school, category=Category.BREACH)
    assert len(attempts) == 1  # the first report tried; the next two did not wait for it
    assert Notification.objects.filter(status=Status.PENDING, queued_at=None).count() == 6
    assert "The broker failed a moment ago" in caplog.text
    # The broker is back, and the rest is over: the next report queues all four reports' rows.
    queued = []
    monkeypatch.setattr(
        tasks.deliver, "apply_async", lambda **kwargs: queued.append(kwargs["args"])
    )
    services.broker.resting_until = time.monotonic() - 1
    with django_capture_on_commit_callbacks(execute=True):
        submit(se.teacher, se.school, category=Category.BREACH)
    assert len(queued) == 8
    assert not Notification.objects.filter(queued_at=None).exists()


def age(notification, **delta):
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - datetime.timedelta(**delta),
        queued_at=None,
    )


def test_the_sweeper_queues_again_only_what_is_still_pending_after_a_minute(
    se, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.PREVENT)
    queued.clear()
    old_urgent, new, held, sent = incident.notifications.order_by("pk")
    age(old_urgent, minutes=2)
    age(new, seconds=30)
    age(held, minutes=5)
    Notification.objects.filter(pk=held.pk).update(
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=60)
    )
    age(sent, minutes=5)
    Notification.objects.filter(pk=sent.pk).update(status=Status.SENT)
    assert services.pending_requeue() == 1
    assert queued == [("notifications.deliver_urgent", old_urgent.pk)]
    # Queued again just now: the next sweep a moment later leaves it alone.
    assert services.pending_requeue() == 0


def test_the_sweeper_task_delivers_what_it_finds(
    se, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks.deliver, "apply_async", lambda *a, **k: None)
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.BREACH)
    monkeypatch.undo()
    for notification in incident.notifications.all():
        age(notification, minutes=2)
    assert tasks.sweep.apply().get() == 2
    assert len(mailoutbox) == 1
    assert set(incident.notifications.values_list("status", flat=True)) == {Status.SENT}


def test_a_worker_killed_mid_delivery_leaves_the_row_to_be_swept_after_its_claim(
    pending, settings, mailoutbox
):
    # What a killed worker leaves: a claimed row, an attempt that never finished.
    settings.NOTIFICATIONS_CLAIM_SECONDS = 0
    now = timezone.now()
    Notification.objects.filter(pk=pending.pk).update(attempts=1, next_attempt_at=now)
    NotificationAttempt.objects.create(notification=pending, number=1, worker="killed")
    age(pending, minutes=2)
    assert services.pending_requeue() == 1  # the `queued` fixture stands in for the broker
    assert services.notification_deliver(notification_id=pending.pk).status == "sent"
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == (Status.SENT, 2)
    assert [a.succeeded for a in pending.attempt_log.all()] == [None, True]
    assert len(mailoutbox) == 1


def test_support_can_deliver_failed_notifications_again(
    pending, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    Notification.objects.filter(pk=pending.pk).update(status=Status.FAILED, attempts=5)
    monkeypatch.undo()  # let deliveries run in-process again
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_retry(notifications=[pending]) == 1
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == (Status.SENT, 1)
    assert len(mailoutbox) == 1
