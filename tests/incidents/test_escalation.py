"""Escalation, run under a controlled clock: `now` is passed in."""

import datetime
import logging

import pytest
from django.conf import settings
from django.utils import timezone

from conduct_portal.celery import app
from incidents import triage
from incidents.models import Category, EntryKind, Incident, SubjectKind
from incidents.triage import add_working_days, case_acknowledge, escalations_run
from notifications.models import Kind, Notification
from tests.reports import submit

MINUTE = datetime.timedelta(minutes=1)
SECOND = datetime.timedelta(seconds=1)


def made_at(incident, when):
    Incident.objects.filter(pk=incident.pk).update(created_at=when)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def t0():
    return timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))  # a Friday morning


def test_an_urgent_case_unacknowledged_for_60_minutes_goes_to_the_deputy_dsl_once(se, t0):
    prevent = made_at(submit(se.teacher, se.school, category=Category.PREVENT), t0)
    assert escalations_run(now=t0 + 59 * MINUTE).done == []
    assert escalations_run(now=t0 + 60 * MINUTE).done == [prevent.pk]
    prevent.refresh_from_db()
    assert prevent.escalated_at == t0 + 60 * MINUTE
    decision = prevent.routing_decisions.get(recipient=se.deputy_dsl)
    assert decision.reason == (
        "Escalated to the Deputy Designated Safeguarding Lead: an urgent case not acknowledged "
        "within 60 minutes."
    )
    entry = prevent.entries.get(kind=EntryKind.ESCALATION)
    assert entry.author is None
    assert (
        Notification.objects.filter(recipient=se.deputy_dsl, kind=Kind.INCIDENT_ESCALATED).count()
        == 2
    )
    assert escalations_run(now=t0 + 120 * MINUTE).done == []
    assert prevent.routing_decisions.count() == 3


def test_an_acknowledged_case_is_not_escalated(se, t0):
    prevent = made_at(submit(se.teacher, se.school, category=Category.PREVENT), t0)
    case_acknowledge(incident=prevent, by=se.dsl)
    assert escalations_run(now=t0 + 61 * MINUTE).done == []


def test_any_case_unacknowledged_for_two_working_days_is_escalated(se, t0):
    breach = made_at(submit(se.teacher, se.school, category=Category.BREACH), t0)
    assert escalations_run(now=t0 + datetime.timedelta(days=3, hours=23)).done == []  # Mon
    assert escalations_run(now=t0 + datetime.timedelta(days=4)).done == [breach.pk]  # Tue 10:00
    assert breach.routing_decisions.filter(recipient=se.deputy_head).exists()


def test_working_days_skip_the_weekend(t0):
    assert add_working_days(t0, 2).date() == datetime.date(2026, 11, 24)
    assert add_working_days(t0 - datetime.timedelta(days=4), 2).date() == datetime.date(
        2026, 11, 18
    )


def test_escalation_never_reaches_the_subject(se, t0):
    about_deputy = made_at(
        submit(se.teacher, se.school, category=Category.PUPIL_CONTACT, subject_kind=SubjectKind.ADULT, subject_user=se.deputy_dsl),
        t0,
    )  # fmt: skip
    escalations_run(now=t0 + 61 * MINUTE)
    recipients = set(about_deputy.routing_decisions.values_list("recipient", flat=True))
    assert se.deputy_dsl.pk not in recipients


def test_a_case_with_nobody_further_in_its_chain_says_so(villiers, charlie, t0):
    from people.models import Role
    from tests.factories import person

    dsl = person(villiers, Role.STAFF, Role.DSL)
    case = made_at(submit(charlie, villiers, category=Category.PUPIL_ONLINE_SAFETY), t0)
    escalations_run(now=t0 + 61 * MINUTE)
    entry = case.entries.get(kind=EntryKind.ESCALATION)
    assert entry.text.startswith("Could not be escalated: nobody further in its chain")
    assert list(case.routing_decisions.values_list("recipient", flat=True)) == [dsl.pk]


def test_the_escalation_runs_every_minute_on_the_urgent_queue():
    entry = settings.CELERY_BEAT_SCHEDULE["incident-escalations"]
    assert entry["schedule"] == 60.0
    assert settings.CELERY_TASK_ROUTES[entry["task"]] == {"queue": "urgent"}
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_two_working_days_skip_easters_bank_holidays_across_the_clock_change(se):
    # Thursday 25 March 2027, 10:00 GMT. Good Friday and Easter Monday are bank holidays and
    # the clocks go forward on the Sunday: two working days later is Wednesday 31 March, 10:00
    # BST, which is 09:00 UTC.
    reported = timezone.make_aware(datetime.datetime(2027, 3, 25, 10, 0))
    breach = made_at(submit(se.teacher, se.school, category=Category.BREACH), reported)
    due = timezone.make_aware(datetime.datetime(2027, 3, 31, 10, 0))
    assert due.astimezone(datetime.UTC).hour == 9
    assert escalations_run(now=due - MINUTE).done == []
    assert escalations_run(now=due).done == [breach.pk]


def test_a_case_that_fails_to_escalate_holds_up_no_other_and_is_tried_again_later(
    se, t0, monkeypatch, caplog
):
    older = made_at(submit(se.teacher, se.school, category=Category.PREVENT), t0)
    newer = made_at(submit(se.teacher, se.school, category=Category.PREVENT), t0 + MINUTE)
    broken = {older.pk}
    tried = []
    real = triage.notifications_create

    def notify(*, incident, **kwargs):
        # Fails after the escalation's routing decisions are written: they must roll back.
        tried.append(incident.pk)
        if incident.pk in broken:
            raise RuntimeError(f"cannot notify about {incident.description}")
        return real(incident=incident, **kwargs)

    monkeypatch.setattr(triage, "notifications_create", notify)
    routed = older.routing_decisions.count()
    now = t0 + 62 * MINUTE
    with caplog.at_level(logging.ERROR):
        run = escalations_run(now=now)
    assert (run.failed, run.done) == ([older.pk], [newer.pk])
    newer.refresh_from_db()
    older.refresh_from_db()
    assert newer.escalated_at == now
    assert older.escalated_at is None
    assert older.routing_decisions.count() == routed  # its escalation rolled back whole
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert f"escalations: item {older.pk} failed (RuntimeError)" in failure.getMessage()
    assert older.description not in caplog.text
    # Not tried again at once, although it is the oldest: it waits a minute, then two.
    assert escalations_run(now=now + 30 * SECOND).waiting == [older.pk]
    assert tried == [older.pk, newer.pk]
    broken.clear()
    assert escalations_run(now=now + MINUTE).done == [older.pk]
    older.refresh_from_db()
    assert older.escalated_at == now + MINUTE
    assert older.entries.filter(kind=EntryKind.ESCALATION).count() == 1


def test_the_escalation_task_returns_counts(db):
    from incidents.tasks import run_escalations

    assert run_escalations.run() == {"done": 0, "skipped": 0, "failed": 0, "waiting": 0}
