"""The reminder schedule, run under a controlled clock: `today` is passed in."""

import datetime
import logging

import pytest
from django.core import mail
from django.utils import timezone

from acknowledgements.models import ReminderStep, SignOffReminder
from acknowledgements.services import reminders
from acknowledgements.services.reminders import signoff_reminders_send
from conduct_portal.celery import app
from tests.acknowledgements.test_signoff import sign
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def run(django_capture_on_commit_callbacks, se_policy):
    published = se_policy.published_at.date()

    def run_on(day: int) -> dict:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return signoff_reminders_send(today=published + datetime.timedelta(days=day))

    return run_on


def to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_a_person_is_reminded_at_7_and_14_days_then_the_head_gets_a_digest(alice, bob, run):
    assert run(6) == {"first": 0, "second": 0, "digest": 0, "failed": 0}
    counts = run(7)
    assert counts["first"] == 2  # Bob and Alice herself have not signed
    [email] = to("bob@se.example")
    assert email.subject == "Reminder: please read and sign the Social Media Policy"
    assert "/acknowledgements/sign/" in email.body
    assert run(13) == {"first": 0, "second": 0, "digest": 0, "failed": 0}
    assert run(14)["second"] == 2
    assert to("bob@se.example")[0].subject.startswith("Second reminder")
    assert run(21)["digest"] == 2
    [digest] = to("alice@se.example")
    assert "Bob Baker" in digest.body
    assert digest.subject == "2 people have not signed the Social Media Policy"


def test_each_step_goes_out_once_however_often_the_schedule_runs(alice, bob, run):
    for day in (7, 7, 8, 14, 14, 15, 21, 22, 40):
        run(day)
    steps = SignOffReminder.objects.filter(user=bob).values_list("step", flat=True)
    assert sorted(steps) == sorted([ReminderStep.FIRST, ReminderStep.SECOND, ReminderStep.DIGEST])
    assert run(60) == {"first": 0, "second": 0, "digest": 0, "failed": 0}


def test_nobody_who_has_signed_is_reminded(alice, bob, se_policy, run):
    sign(bob, se_policy)
    run(7)
    assert to("bob@se.example") == []


def test_a_late_reminder_is_not_sent_when_a_later_step_is_due(alice, bob, run):
    run(15)
    assert [m.subject.split(":")[0] for m in to("bob@se.example")] == ["Second reminder"]
    assert not SignOffReminder.objects.filter(user=bob, step=ReminderStep.FIRST).exists()


def test_a_new_joiners_reminders_count_from_their_start_date(alice, se_policy, st_elisabeths, run):
    joiner = UserFactory(email="new@se.example")
    starts = se_policy.published_at.date() + datetime.timedelta(days=30)
    MembershipFactory(user=joiner, school=st_elisabeths, starts_on=starts)
    run(36)
    assert to("new@se.example") == []
    run(37)
    assert len(to("new@se.example")) == 1


def test_the_thresholds_are_set_per_school(alice, bob, st_elisabeths, run):
    st_elisabeths.first_reminder_days = 3
    st_elisabeths.save()
    assert run(3)["first"] == 2


def test_the_beat_schedule_runs_the_reminders_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["signoff-reminders"]
    app.loader.import_default_modules()  # what a worker does when it starts
    assert entry["task"] in app.tasks


def test_a_reminder_that_fails_holds_up_no_other_and_goes_out_on_a_later_run(
    alice, bob, se_policy, run, monkeypatch, caplog
):
    real = reminders.email_on_commit

    def email(name, *, to, context):
        if to == bob:
            raise RuntimeError("cannot render Bob Baker's reminder")
        return real(name, to=to, context=context)

    monkeypatch.setattr(reminders, "email_on_commit", email)
    with caplog.at_level(logging.ERROR):
        assert run(7) == {"first": 1, "second": 0, "digest": 0, "failed": 1}
    assert len(to("alice@se.example")) == 1
    assert not SignOffReminder.objects.filter(user=bob).exists()  # rolled back with the e-mail
    assert f"signoff-reminders: item first:v{se_policy.pk}:u{bob.pk} failed" in caplog.text
    assert "Bob Baker" not in caplog.text
    monkeypatch.setattr(reminders, "email_on_commit", real)
    assert run(7)["first"] == 0  # waits before trying again
    later = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # the next day's run
    assert run(8)["first"] == 1
    [email] = to("bob@se.example")
    assert email.subject == "Reminder: please read and sign the Social Media Policy"
