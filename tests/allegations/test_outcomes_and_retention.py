"""Every allegation closes with one of the five outcomes, and its retention follows it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allegations import services
from allegations.models import Allegation, AllegationOutcome, Outcome
from allegations.retention import malicious_removal_run
from allegations.selectors import kept_until
from audit.models import Action, AuditEvent
from incidents.models import CaseEntry, Incident, Status
from incidents.retention import retention_run
from lib.dates import years_after
from tests.allegations.support import lado_consulted, may_meet, opened, report_about


@pytest.fixture
def consulted(se):
    allegation = opened(report_about(se.teacher, se.school, se.governor))
    return lado_consulted(may_meet(allegation, se.head), se.head)


def close(allegation, by, outcome, **fields) -> Allegation:
    services.outcome_record(
        allegation=allegation, by=by, outcome=outcome, disciplinary="no",
        rationale="The pupil's account and the witness statements do not agree.", **fields,
    )  # fmt: skip
    return Allegation.objects.get(pk=allegation.pk)


@pytest.mark.parametrize("outcome", Outcome.values)
def test_each_outcome_closes_the_case_with_its_reasons_in_the_chronology(se, consulted, outcome):
    allegation = close(consulted, se.head, outcome)
    assert allegation.outcome == outcome
    incident = Incident.objects.get(pk=allegation.incident_id)
    assert incident.status == Status.CLOSED
    assert "witness statements do not agree" in incident.entries.get(kind="outcome").text


@pytest.mark.parametrize("outcome", ["false", "unsubstantiated", "unfounded", "malicious"])
def test_only_a_substantiated_allegation_has_a_summary_for_references(se, consulted, outcome):
    with pytest.raises(ValidationError) as refused:
        close(consulted, se.head, outcome, reference_summary="Found to have grabbed a pupil.")
    assert "reference_summary" in refused.value.error_dict


def test_a_substantiated_allegation_keeps_its_summary_for_references(se, consulted):
    close(consulted, se.head, "substantiated", reference_summary="Grabbed a pupil's arm, 2026.")
    assert AllegationOutcome.objects.get().reference_summary == "Grabbed a pupil's arm, 2026."


def test_an_allegation_closes_once(se, consulted):
    close(consulted, se.head, "unfounded")
    with pytest.raises(ValidationError):
        close(consulted, se.head, "false")


def test_an_outcome_waits_for_the_lado_discussion(se):
    allegation = may_meet(opened(report_about(se.teacher, se.school, se.governor)), se.head)
    with pytest.raises(ValidationError, match="LADO"):
        close(allegation, se.head, "unfounded")


def test_a_malicious_allegation_is_removed_with_a_logged_purge(se, consulted):
    close(consulted, se.head, "malicious")
    incident_pk = consulted.incident_id
    reference = consulted.incident.reference
    run = malicious_removal_run()
    assert run.done == [reference]
    assert not Incident.objects.filter(pk=incident_pk).exists()
    assert not Allegation.objects.exists()
    assert not AllegationOutcome.objects.exists()
    assert not CaseEntry.objects.filter(incident_id=incident_pk).exists()
    purges = AuditEvent.objects.filter(action=Action.RETENTION).values_list("detail", flat=True)
    assert any("found malicious" in detail and reference in detail for detail in purges)
    assert all("grabbed" not in detail for detail in purges)


def test_a_malicious_allegation_on_legal_hold_is_kept(se, consulted):
    close(consulted, se.head, "malicious")
    Incident.objects.filter(pk=consulted.incident_id).update(legal_hold=True)
    assert malicious_removal_run().done == []
    assert Allegation.objects.filter(pk=consulted.pk).exists()


@pytest.mark.parametrize("outcome", ["substantiated", "false", "unsubstantiated", "unfounded"])
def test_other_outcomes_are_not_removed_as_malicious(se, consulted, outcome):
    close(consulted, se.head, outcome)
    assert malicious_removal_run().done == []
    assert Allegation.objects.filter(pk=consulted.pk).exists()


@pytest.mark.parametrize("outcome", ["substantiated", "false", "unsubstantiated", "unfounded"])
def test_other_outcomes_are_kept_until_retirement_or_ten_years_whichever_is_later(
    se, consulted, outcome
):
    allegation = close(consulted, se.head, outcome)
    reported = timezone.localdate(allegation.incident.created_at)
    subject = se.teacher
    subject.retirement_on = years_after(reported, 25)
    subject.save()
    assert kept_until(Allegation.objects.get(pk=allegation.pk)) == subject.retirement_on
    subject.retirement_on = years_after(reported, 2)
    subject.save()
    assert kept_until(Allegation.objects.get(pk=allegation.pk)) == years_after(reported, 10)
    # incidents' retention deletes the report then, and the allegation's records go with it.
    assert retention_run(today=years_after(reported, 10) - datetime.timedelta(days=1)).done == []
    assert Allegation.objects.exists()
    assert retention_run(today=years_after(reported, 10)).done == [allegation.incident.reference]
    assert not Allegation.objects.exists()
    assert not AllegationOutcome.objects.exists()


def test_an_allegation_about_someone_with_no_retirement_date_is_kept(se, consulted):
    allegation = close(consulted, se.head, "unfounded")
    assert kept_until(allegation) is None
    assert retention_run(today=timezone.localdate() + datetime.timedelta(days=365 * 40)).done == []


def test_the_case_page_cannot_close_an_allegation_without_one_of_the_five_outcomes(se, consulted):
    from incidents.triage import case_close

    incident = Incident.objects.get(pk=consulted.incident_id)
    with pytest.raises(ValidationError, match="record its outcome"):
        case_close(incident=incident, by=se.head, outcome="Dealt with.", disciplinary="no")
    incident.refresh_from_db()
    assert incident.status != Status.CLOSED
