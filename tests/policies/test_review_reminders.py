import datetime

from django.conf import settings
from django.core import mail

from conduct_portal.celery import app
from policies.services import review_reminders_send
from policies.tasks import send_review_reminders

REVIEW_DUE = datetime.date(2027, 9, 1)  # the review date conftest.publish sets


def test_the_head_is_reminded_30_days_before_the_review_falls_due(
    alice, se_policy, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert review_reminders_send(today=REVIEW_DUE - datetime.timedelta(days=31)) == 0
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert review_reminders_send(today=REVIEW_DUE - datetime.timedelta(days=30)) == 1
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
