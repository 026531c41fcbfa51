import datetime
import logging

from django.conf import settings
from django.core import mail
from django.utils import timezone

from conduct_portal.celery import app
from people.models import Role
from policies import services
from policies.models import ReviewReminder
from policies.services import review_reminders_send
from policies.tasks import send_review_reminders
from tests.factories import person

REVIEW_DUE = datetime.date(2027, 9, 1)  # the review date conftest.publish sets


def test_the_head_is_reminded_30_days_before_the_review_falls_due(
    alice, se_policy, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert review_reminders_send(today=REVIEW_DUE - datetime.timedelta(days=31)).done == []
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert review_reminders_send(today=REVIEW_DUE - datetime.timedelta(days=30)).done == [
            se_policy.pk
        ]
    [email] = mail.outbox
    assert email.to == ["alice@se.example"]
    assert email.subject == "Policy review due 1 September 2027: Social Media Policy"
    assert f"/policies/{se_policy.policy_id}/" in email.body


def test_the_reminder_goes_out_once_however_often_the_schedule_runs(
    alice, se_policy, django_capture_on_commit_callbacks
):
    for days_before in (30, 29, 10, 0, -5):
        with django_capture_on_commit_callbacks(execute=True):
            review_reminders_send(today=REVIEW_DUE - datetime.timedelta(days=days_before))
    assert len(mail.outbox) == 1


def test_a_superseded_version_is_not_reminded(alice, se_policy, django_capture_on_commit_callbacks):
    from policies.services import draft_start
    from tests.factories import publish

    publish(draft_start(policy=se_policy.policy, by=alice), summary_of_changes="x",
            review_due=datetime.date(2028, 9, 1))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        review_reminders_send(today=REVIEW_DUE)
    assert mail.outbox == []


def test_the_beat_schedule_runs_the_registered_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["policy-review-reminders"]
    assert entry["task"] == send_review_reminders.name
    app.loader.import_default_modules()  # what a worker does when it starts
    assert entry["task"] in app.tasks


def test_a_reminder_that_fails_holds_up_no_other_and_goes_out_on_a_later_run(
    alice, se_policy, villiers, villiers_policy, monkeypatch, caplog,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    person(villiers, Role.STAFF, Role.HEAD, email="head@villiers.example")
    real = services.email_queue

    def email_queue(*, recipient, **kwargs):
        if recipient == alice:
            raise RuntimeError("template missing")
        return real(recipient=recipient, **kwargs)

    monkeypatch.setattr(services, "email_queue", email_queue)
    day = REVIEW_DUE - datetime.timedelta(days=30)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        run = review_reminders_send(today=day)
    assert (run.failed, run.done) == ([se_policy.pk], [villiers_policy.pk])
    assert [m.to for m in mail.outbox] == [["head@villiers.example"]]
    assert not ReviewReminder.objects.filter(version=se_policy).exists()  # rolled back
    assert f"policy-review-reminders: item {se_policy.pk} failed" in caplog.text
    monkeypatch.setattr(services, "email_queue", real)
    assert review_reminders_send(today=day).waiting == [se_policy.pk]
    later = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        assert review_reminders_send(today=day).done == [se_policy.pk]
    assert mail.outbox[-1].to == ["alice@se.example"]


def test_the_task_returns_counts(alice, se_policy):
    assert send_review_reminders.run() == {"done": 0, "skipped": 0, "failed": 0, "waiting": 0}
