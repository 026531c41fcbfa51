"""Retention: what is due is deleted, with its files, and recorded; what must be kept is kept."""

import datetime
import logging

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import Action, AuditEvent
from conduct_portal.celery import app
from incidents import retention
from incidents.models import (
    CaseAccess,
    CaseEntry,
    Category,
    Evidence,
    Incident,
    RetentionRule,
    RoutingDecision,
    Status,
    SubjectKind,
)
from incidents.retention import legal_hold_set, retention_run
from notifications.models import Notification
from tests.race import interleave
from tests.reports import png, submit
from tests.support import require

TODAY = datetime.date(2040, 1, 1)


def closed(incident, *, years_ago: float, today=TODAY):
    made = timezone.make_aware(
        datetime.datetime.combine(today, datetime.time(12))
    ) - datetime.timedelta(days=365.25 * years_ago)
    Incident.objects.filter(pk=incident.pk).update(status=Status.CLOSED, created_at=made)
    return incident


def test_a_closed_report_is_deleted_after_six_years_with_everything_it_had(
    se, private_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(se.teacher, se.school, category=Category.BREACH, files=[png()])
    stored = private_media / "evidence" / report.evidence.get().stored_name
    assert stored.exists()
    closed(report, years_ago=6.1)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run(today=TODAY).done == [report.reference]
    assert not Incident.objects.filter(pk=report.pk).exists()
    for model in (Evidence, RoutingDecision, CaseEntry, CaseAccess, Notification):
        assert not model.objects.filter(incident_id=report.pk).exists()
    assert not stored.exists()
    event = AuditEvent.objects.get(action=Action.RETENTION)
    assert event.detail.startswith(f"{report.reference} (Breach of the policy by an adult) deleted")


def test_a_report_not_yet_due_an_open_one_and_one_on_legal_hold_are_kept(se):
    young = closed(submit(se.teacher, se.school), years_ago=5.9)
    still_open = submit(se.teacher, se.school)
    Incident.objects.filter(pk=still_open.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=365 * 20)
    )
    held = closed(submit(se.teacher, se.school), years_ago=9)
    legal_hold_set(incident=held, by=se.head, hold=True, reason="Employment tribunal claim")
    assert retention_run(today=TODAY).done == []
    assert Incident.objects.filter(pk__in=[young.pk, still_open.pk, held.pk]).count() == 3


def test_a_school_sets_how_long_each_category_is_kept(se):
    RetentionRule.objects.create(school=se.school, category=Category.SOCIAL_MEDIA_MISUSE, years=2)
    report = closed(
        submit(se.teacher, se.school, category=Category.SOCIAL_MEDIA_MISUSE), years_ago=2.1
    )
    assert retention_run(today=TODAY).done == [report.reference]


def allegation(se, **fields):
    return submit(
        se.teacher,
        se.school,
        category=Category.BREACH,
        subject_kind=SubjectKind.ADULT,
        subject_user=se.deputy_head,
        **fields,
    )


def test_an_allegation_about_staff_is_kept_until_retirement_or_ten_years_whichever_is_later(se):
    se.deputy_head.retirement_on = TODAY - datetime.timedelta(days=1)
    se.deputy_head.save()
    nine_years = closed(allegation(se), years_ago=9)
    eleven_years = closed(allegation(se), years_ago=11)
    assert retention_run(today=TODAY).done == [eleven_years.reference]
    se.deputy_head.retirement_on = TODAY + datetime.timedelta(days=400)
    se.deputy_head.save()
    twelve_years = closed(allegation(se), years_ago=12)
    assert retention_run(today=TODAY).done == []
    assert Incident.objects.filter(pk__in=[nine_years.pk, twelve_years.pk]).count() == 2


def test_an_allegation_is_kept_while_the_persons_retirement_date_is_unknown(se):
    closed(allegation(se), years_ago=30)
    assert retention_run(today=TODAY).done == []


def test_a_legal_hold_needs_a_reason_and_is_recorded(client, se):
    report = submit(se.teacher, se.school)
    client.force_login(se.head)
    refused = client.post(
        f"/incidents/{report.pk}/trail/hold/", {"hold": "on", "reason": ""}, follow=True
    )
    assert "Say why the report must be kept." in refused.text
    client.post(f"/incidents/{report.pk}/trail/hold/", {"hold": "on", "reason": "Police inquiry"})
    report.refresh_from_db()
    assert report.legal_hold and report.legal_hold_reason == "Police inquiry"
    assert AuditEvent.objects.filter(action=Action.LEGAL_HOLD, actor=se.head).exists()


@pytest.mark.parametrize("who", ["teacher", "dsl", "governor"])
def test_only_the_head_or_the_data_protection_lead_sets_a_legal_hold(client, se, who):
    report = submit(se.teacher, se.school)
    client.force_login(getattr(se, who))
    assert (
        client.post(
            f"/incidents/{report.pk}/trail/hold/", {"hold": "on", "reason": "x"}
        ).status_code
        == 404
    )
    assert not Incident.objects.get(pk=report.pk).legal_hold


def test_retention_runs_daily_from_beat():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["incident-retention"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_a_report_that_fails_to_delete_holds_up_no_other_is_kept_whole_and_tried_again(
    se, monkeypatch, caplog
):
    first = closed(submit(se.teacher, se.school), years_ago=7)
    second = closed(submit(se.teacher, se.school), years_ago=6.5)
    routed = first.routing_decisions.count()
    real = retention.audit_record

    def audit(**fields):
        # Fails after the report's rows were deleted: they must come back with the rollback.
        if fields["detail"].startswith(first.reference):
            raise RuntimeError("the audit log refused")
        return real(**fields)

    monkeypatch.setattr(retention, "audit_record", audit)
    with caplog.at_level(logging.ERROR):
        run = retention_run(today=TODAY)
    assert (run.failed, run.done) == ([first.reference], [second.reference])
    assert not Incident.objects.filter(pk=second.pk).exists()
    assert first.routing_decisions.count() == routed
    assert f"retention: item {first.reference} failed (RuntimeError)" in caplog.text
    assert retention_run(today=TODAY).waiting == [first.reference]  # backs off
    monkeypatch.setattr(retention, "audit_record", real)
    later = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # the next day's run
    assert retention_run(today=TODAY).done == [first.reference]
    assert not Incident.objects.filter(pk=first.pk).exists()


def test_a_report_put_on_legal_hold_after_it_was_selected_is_kept(se, monkeypatch):
    report = closed(submit(se.teacher, se.school), years_ago=7)
    reopened = closed(submit(se.teacher, se.school), years_ago=7)
    select = retention.due_for_deletion

    def select_then_change(today):
        due = select(today)
        legal_hold_set(incident=report, by=se.head, hold=True, reason="Police inquiry")
        Incident.objects.filter(pk=reopened.pk).update(status=Status.INVESTIGATING)
        return due

    monkeypatch.setattr(retention, "due_for_deletion", select_then_change)
    run = retention_run(today=TODAY)
    assert run.done == []
    assert sorted(run.skipped) == sorted([report.reference, reopened.reference])
    assert Incident.objects.filter(pk__in=[report.pk, reopened.pk]).count() == 2
    assert not AuditEvent.objects.filter(action=Action.RETENTION).exists()


def test_a_legal_hold_set_again_changes_nothing_and_is_recorded_once(se):
    report = submit(se.teacher, se.school)
    for _ in range(2):
        legal_hold_set(incident=report, by=se.head, hold=True, reason="Police inquiry")
    assert AuditEvent.objects.filter(action=Action.LEGAL_HOLD).count() == 1
    legal_hold_set(incident=report, by=se.head, hold=True, reason="Employment tribunal")
    legal_hold_set(incident=report, by=se.head, hold=False, reason="")
    assert AuditEvent.objects.filter(action=Action.LEGAL_HOLD).count() == 3


@pytest.mark.django_db(transaction=True)
def test_retention_waits_for_a_legal_hold_being_set_and_keeps_the_report(se, monkeypatch):
    require(connection.vendor == "postgresql", "PostgreSQL")
    report = closed(submit(se.teacher, se.school), years_ago=7)
    hold, run = interleave(
        monkeypatch,
        (retention, "audit_record"),  # the hold is written, not yet committed
        lambda: legal_hold_set(
            incident=Incident.objects.get(pk=report.pk), by=se.head, hold=True, reason="Claim"
        ),
        lambda: retention_run(today=TODAY),
    )
    assert hold.legal_hold
    assert (run.done, run.skipped) == ([], [report.reference])
    assert Incident.objects.get(pk=report.pk).legal_hold


@pytest.mark.django_db(transaction=True)
def test_two_legal_holds_at_once_are_one_change_and_one_audit_row(se, monkeypatch):
    require(connection.vendor == "postgresql", "PostgreSQL")
    report = submit(se.teacher, se.school)

    def hold():
        return legal_hold_set(
            incident=Incident.objects.get(pk=report.pk), by=se.head, hold=True, reason="Claim"
        )

    first, second = interleave(monkeypatch, (retention, "audit_record"), hold, hold)
    assert first.legal_hold and second.legal_hold
    assert AuditEvent.objects.filter(action=Action.LEGAL_HOLD).count() == 1
