"""The outbox: rows written with the report, in-app ones visible at once, e-mails delivered at
least once by a worker, retried with backoff, swept."""

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
    emails = incident.notifications.filter(channel=Channel.EMAIL).order_by("pk")
    assert queued == [("notifications.deliver", n.pk) for n in emails]
    assert all(n.queued_at for n in emails)


def test_in_app_notifications_are_written_sent_and_never_handed_to_a_worker(
    se, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.PREVENT)
    in_app = incident.notifications.filter(channel=Channel.IN_APP)
    assert {n.recipient for n in in_app} == {se.head, se.dsl}
    # Sent in the report's own transaction: no attempt, no queueing, nothing for the sweeper.
    assert all(
        n.status == Status.SENT and n.sent_at == n.created_at and n.attempts == 0 for n in in_app
    )
    assert not NotificationAttempt.objects.filter(notification__in=in_app).exists()
    assert {pk for _, pk in queued}.isdisjoint(n.pk for n in in_app)


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
    for task, attempts in (
        (tasks.deliver, services.MAX_ATTEMPTS),
        (tasks.deliver_urgent, services.URGENT_MAX_ATTEMPTS),
    ):
        assert task.acks_late is True
        assert task.max_retries == attempts
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
    assert all(n.sent_at for n in rows)
    assert {n.channel: n.attempts for n in rows} == {Channel.EMAIL: 1, Channel.IN_APP: 0}
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
    # Unchanged by the urgent schedule below: the relay is given time to recover.
    assert [o.retry_in for o in outcomes] == [30, 120, 600, 1800, None]
    assert outcomes[-1].status == "failed"
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == (Status.FAILED, 5)
    assert pending.attempt_log.filter(succeeded=False).count() == 5
    assert "failed for good after 5 attempts" in caplog.text
    Notification.objects.filter(pk=pending.pk).update(next_attempt_at=None)
    assert services.notification_deliver(notification_id=pending.pk).status == "skipped"


def schedule(*, urgent: bool) -> list[int | None]:
    """The wait after each failed attempt, up to and including the last (None)."""
    waits, attempt = [], 0
    while not waits or waits[-1] is not None:
        attempt += 1
        waits.append(services.backoff_seconds(attempt=attempt, urgent=urgent))
    return waits


def test_an_urgent_alert_never_waits_more_than_a_minute_between_attempts():
    urgent = schedule(urgent=True)
    assert urgent[:7] == [10, 20, 30, 40, 50, 60, 60]
    assert max(w for w in urgent if w is not None) == 60
    assert len(urgent) == services.URGENT_MAX_ATTEMPTS
    # Retried for at least as long as any other notification before it is given up on.
    assert sum(w for w in urgent if w) >= sum(w for w in schedule(urgent=False) if w)
    assert schedule(urgent=False) == [30, 120, 600, 1800, None]


def test_an_urgent_email_that_fails_is_tried_again_within_seconds_not_minutes(
    se, queued, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.PREVENT)
    email = incident.notifications.filter(channel=Channel.EMAIL).first()
    fail_email(monkeypatch)
    outcomes = []
    for _ in range(7):
        Notification.objects.filter(pk=email.pk).update(next_attempt_at=None)
        outcomes.append(services.notification_deliver(notification_id=email.pk))
    assert [o.retry_in for o in outcomes] == [10, 20, 30, 40, 50, 60, 60]
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.PENDING, 7)
    assert email.next_attempt_at <= timezone.now() + datetime.timedelta(seconds=60)


def test_an_urgent_email_is_marked_failed_only_after_its_last_attempt(
    se, queued, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.PREVENT)
    email = incident.notifications.filter(channel=Channel.EMAIL).first()
    fail_email(monkeypatch)
    Notification.objects.filter(pk=email.pk).update(
        attempts=services.URGENT_MAX_ATTEMPTS - 2, next_attempt_at=None
    )
    assert services.notification_deliver(notification_id=email.pk).retry_in == 60
    Notification.objects.filter(pk=email.pk).update(next_attempt_at=None)
    assert services.notification_deliver(notification_id=email.pk).status == "failed"
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, services.URGENT_MAX_ATTEMPTS)


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
    rows = incident.notifications.order_by("channel")
    # The e-mail waits for the broker; the bell does not.
    assert [(n.channel, n.status, n.queued_at) for n in rows] == [
        (Channel.EMAIL, Status.PENDING, None),
        (Channel.IN_APP, Status.SENT, None),
    ]
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
    assert Notification.objects.filter(status=Status.PENDING, queued_at=None).count() == 3
    assert "The broker failed a moment ago" in caplog.text
    # The broker is back, and the rest is over: the next report queues all four reports' rows.
    queued = []
    monkeypatch.setattr(
        tasks.deliver, "apply_async", lambda **kwargs: queued.append(kwargs["args"])
    )
    services.broker.resting_until = time.monotonic() - 1
    with django_capture_on_commit_callbacks(execute=True):
        submit(se.teacher, se.school, category=Category.BREACH)
    assert len(queued) == 4
    assert not Notification.objects.filter(channel=Channel.EMAIL, queued_at=None).exists()


def age(notification, **delta):
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - datetime.timedelta(**delta),
        queued_at=None,
    )


def test_the_sweeper_queues_again_only_what_is_still_pending_after_a_minute(
    se, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            submit(se.teacher, se.school, category=Category.PREVENT)
    queued.clear()
    old_urgent, new, held, sent = Notification.objects.filter(channel=Channel.EMAIL).order_by("pk")
    for in_app in Notification.objects.filter(channel=Channel.IN_APP):
        age(in_app, minutes=5)  # sent when written: never swept
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
    assert tasks.sweep.apply().get() == 1  # the e-mail; the in-app one was never pending
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
