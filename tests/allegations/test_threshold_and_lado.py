"""The threshold decision with its reasons, and the one-working-day LADO clock."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from allegations import services
from allegations.models import Allegation, Threshold, ThresholdDecision
from allegations.services import lado_deadline, lado_escalations_run
from incidents.models import Agency, EntryKind, RoutingDecision, Status
from notifications.models import Kind, Notification
from people.models import Role
from tests.allegations.support import lado_consulted, may_meet, opened, report_about
from tests.factories import person

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def allegation(se):
    return opened(report_about(se.teacher, se.school, se.governor))


def test_a_decision_on_a_thursday_before_christmas_is_due_after_the_bank_holiday_weekend():
    # Friday 25 and Monday 28 December 2026 are bank holidays (Boxing Day falls on a Saturday).
    assert lado_deadline(at(2026, 12, 24, 15, 0)) == at(2026, 12, 29, 15, 0)


def test_a_decision_on_the_friday_before_the_spring_bank_holiday_is_due_on_tuesday():
    assert lado_deadline(at(2026, 5, 22, 16, 30)) == at(2026, 5, 26, 16, 30)


def test_a_decision_on_maundy_thursday_is_due_after_easter_monday():
    assert lado_deadline(at(2026, 4, 2, 10, 0)) == at(2026, 4, 7, 10, 0)


def test_a_decision_on_an_ordinary_tuesday_is_due_on_wednesday():
    assert lado_deadline(at(2026, 3, 10, 9, 0)) == at(2026, 3, 11, 9, 0)


def test_may_meet_records_the_tests_and_reasons_and_starts_the_clock(se, allegation):
    allegation = may_meet(allegation, se.head)
    decision = allegation.decisions.get()
    assert allegation.threshold == Threshold.MAY_MEET
    assert allegation.lado_due_at == lado_deadline(decision.decided_at)
    assert decision.tests_met() == [
        "Has behaved in a way that has harmed a child, or may have harmed a child"
    ]
    incident = allegation.incident
    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    note = incident.entries.get(kind=EntryKind.NOTE)
    assert "Threshold decision: May meet the harm threshold" in note.text
    assert "grabbed her arm" in note.text
    assert "To be discussed with the LADO by" in note.text


def test_a_low_level_decision_says_why_it_was_not_referred(se, allegation):
    with pytest.raises(ValidationError) as refused:
        services.threshold_record(
            allegation=allegation, by=se.head, decision=Threshold.LOW_LEVEL, rationale="Minor."
        )
    assert "not_referred_because" in refused.value.error_dict
    services.threshold_record(
        allegation=allegation, by=se.head, decision=Threshold.LOW_LEVEL, rationale="Minor.",
        not_referred_because="No child was harmed or at risk; a reminder of the code suffices.",
    )  # fmt: skip
    allegation.refresh_from_db()
    assert allegation.lado_due_at is None
    note = allegation.incident.entries.get(kind=EntryKind.NOTE).text
    assert "Not referred to the LADO because: No child was harmed" in note


def test_may_meet_needs_one_of_the_four_tests(se, allegation):
    with pytest.raises(ValidationError) as refused:
        services.threshold_record(
            allegation=allegation, by=se.head, decision=Threshold.MAY_MEET, rationale="Serious."
        )
    assert "harmed_child" in refused.value.error_dict


def test_a_threshold_decision_is_never_changed(se, allegation):
    decision = may_meet(allegation, se.head).decisions.get()
    with pytest.raises(ValidationError):
        decision.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        ThresholdDecision.objects.filter(pk=decision.pk).update(rationale="rewritten")


def test_the_lado_contact_is_recorded_as_a_referral_with_its_next_steps(se, allegation):
    allegation = lado_consulted(may_meet(allegation, se.head), se.head)
    assert allegation.lado_in_time is True
    contact = allegation.lado_contacts.get()
    assert (contact.lado_name, contact.reference) == ("Pat Morgan", "LADO-2026-0412")
    referral = allegation.incident.entries.get(kind=EntryKind.REFERRAL)
    assert referral.agency == Agency.LADO
    assert referral.reference == "LADO-2026-0412"
    assert "within one working day" in referral.text
    assert "Suspended: no, because Not needed" in referral.text
    allegation.incident.refresh_from_db()
    assert allegation.incident.status == Status.REFERRED


def test_a_lado_contact_after_the_deadline_is_recorded_as_late(se, allegation, monkeypatch):
    allegation = may_meet(allegation, se.head)
    Allegation.objects.filter(pk=allegation.pk).update(
        lado_due_at=allegation.lado_due_at - datetime.timedelta(days=3)
    )
    allegation = lado_consulted(allegation, se.head)
    assert allegation.lado_in_time is False
    assert "after one working day" in allegation.incident.entries.get(kind=EntryKind.REFERRAL).text


def test_the_lado_contact_needs_the_reason_for_suspension_either_way(se, allegation):
    allegation = may_meet(allegation, se.head)
    with pytest.raises(ValidationError) as refused:
        services.lado_contact_record(
            allegation=allegation, by=se.head, lado_name="Pat", reference="L-1",
            contacted_at=allegation.decisions.get().decided_at, strategy_discussion="yes",
            police="no", suspension="no", suspension_reason=" ", support="",
        )  # fmt: skip
    assert {"suspension_reason", "support"} <= refused.value.error_dict.keys()


def test_nothing_escalates_before_the_working_day_is_over(se, allegation):
    allegation = may_meet(allegation, se.head)
    run = lado_escalations_run(now=allegation.lado_due_at - datetime.timedelta(minutes=1))
    assert run.done == []


def test_an_overdue_lado_contact_escalates_once_to_the_next_in_the_heads_chain(se, allegation):
    allegation = may_meet(allegation, se.head)
    late = allegation.lado_due_at + datetime.timedelta(minutes=1)
    assert lado_escalations_run(now=late).done == [allegation.pk]
    assert lado_escalations_run(now=late + datetime.timedelta(hours=1)).done == []
    allegation.refresh_from_db()
    assert list(allegation.escalated_to.all()) == [se.deputy_head]
    assert RoutingDecision.objects.filter(
        incident=allegation.incident, recipient=se.deputy_head
    ).exists()
    notified = Notification.objects.filter(recipient=se.deputy_head, kind=Kind.INCIDENT_ESCALATED)
    assert notified.count() == 2  # in the portal and by e-mail, neither with any detail
    entry = allegation.incident.entries.get(kind=EntryKind.ESCALATION)
    assert entry.text == (
        "Escalated to the Deputy head: the LADO was not contacted within one working day."
    )


def test_an_overdue_lado_contact_about_the_head_escalates_past_the_chair_never_to_staff(se):
    vice = person(se.school, Role.VICE_CHAIR, full_name="Val Vice")
    allegation = may_meet(opened(report_about(se.head, se.school, se.teacher)), se.chair)
    lado_escalations_run(now=allegation.lado_due_at + datetime.timedelta(minutes=1))
    allegation.refresh_from_db()
    assert list(allegation.escalated_to.all()) == [vice]


def test_the_escalated_person_may_record_the_lado_contact(client, se, allegation):
    allegation = may_meet(allegation, se.head)
    lado_escalations_run(now=allegation.lado_due_at + datetime.timedelta(minutes=1))
    client.force_login(se.deputy_head)
    assert client.get(f"/allegations/{allegation.incident_id}/").status_code == 200
    assert client.get(f"/allegations/{allegation.incident_id}/bundle.pdf").status_code == 404


def test_a_contact_recorded_in_time_is_never_escalated(se, allegation):
    allegation = lado_consulted(may_meet(allegation, se.head), se.head)
    assert lado_escalations_run(now=allegation.lado_due_at + datetime.timedelta(days=5)).done == []


def test_a_bad_threshold_form_keeps_what_was_typed_and_says_what_is_missing(client, se, allegation):
    client.force_login(se.head)
    response = client.post(
        f"/allegations/{allegation.incident_id}/threshold/",
        {"decision": "may_meet", "rationale": "She was seen pushing a pupil against a wall."},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Tick which of the four tests the concern may meet." in page
    assert "She was seen pushing a pupil against a wall." in page
    assert not allegation.decisions.exists()
