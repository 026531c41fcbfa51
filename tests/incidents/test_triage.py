"""The case workflow, its chronology, and what is refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from incidents.models import (
    Agency,
    CaseEntry,
    Category,
    Disciplinary,
    EntryKind,
    Incident,
    Status,
    Support,
)
from incidents.selectors import case_for, chronology
from incidents.triage import (
    case_acknowledge,
    case_close,
    case_correct,
    case_note_add,
    case_owner_set,
    case_refer,
    case_status_change,
    case_support_record,
)
from tests.reports import png, submit

TODAY = datetime.date.today()


@pytest.fixture
def prevent(se):
    return submit(se.teacher, se.school, category=Category.PREVENT)


def at(incident, status, se):
    """Walk a case to a status the way a DSL would."""
    if status != Status.NEW:
        case_acknowledge(incident=incident, by=se.dsl)
    if status == Status.INVESTIGATING:
        case_status_change(incident=incident, by=se.dsl, to=Status.INVESTIGATING)
    if status == Status.REFERRED:
        case_refer(incident=incident, by=se.dsl, agency=Agency.CHANNEL, referred_on=TODAY)
    if status == Status.CLOSED:
        case_close(
            incident=incident, by=se.dsl, outcome="Done", disciplinary=Disciplinary.NOT_APPLICABLE
        )
    incident.refresh_from_db()
    return incident


ALLOWED = {
    (Status.NEW, Status.ACKNOWLEDGED),
    (Status.ACKNOWLEDGED, Status.INVESTIGATING),
    (Status.REFERRED, Status.INVESTIGATING),
    (Status.CLOSED, Status.INVESTIGATING),
}


@pytest.mark.parametrize(
    "start", [Status.NEW, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.REFERRED, Status.CLOSED]
)
@pytest.mark.parametrize("to", [Status.ACKNOWLEDGED, Status.INVESTIGATING])
def test_every_plain_status_change_is_allowed_or_refused_by_the_workflow(se, prevent, start, to):
    incident = at(prevent, start, se)
    if (start, to) in ALLOWED:
        case_status_change(incident=incident, by=se.dsl, to=to, text="New evidence came to light")
        assert Incident.objects.get(pk=incident.pk).status == to
    else:
        with pytest.raises(ValidationError, match="cannot become"):
            case_status_change(incident=incident, by=se.dsl, to=to)
        assert Incident.objects.get(pk=incident.pk).status == start


@pytest.mark.parametrize("to", [Status.REFERRED, Status.CLOSED])
def test_referring_and_closing_are_not_plain_status_changes(se, prevent, to):
    at(prevent, Status.ACKNOWLEDGED, se)
    with pytest.raises(ValidationError, match="Record the"):
        case_status_change(incident=prevent, by=se.dsl, to=to)


def test_acknowledging_records_when_and_makes_the_person_the_owner(se, prevent):
    case_acknowledge(incident=prevent, by=se.dsl)
    prevent.refresh_from_db()
    assert prevent.status == Status.ACKNOWLEDGED
    assert prevent.acknowledged_at is not None
    assert prevent.owner == se.dsl
    with pytest.raises(ValidationError, match="already been acknowledged"):
        case_acknowledge(incident=prevent, by=se.head)


def test_a_referral_needs_an_agency_and_an_acknowledged_open_case(se, prevent):
    with pytest.raises(ValidationError, match="Acknowledge the case before referring it"):
        case_refer(incident=prevent, by=se.dsl, agency=Agency.CHANNEL, referred_on=TODAY)
    at(prevent, Status.ACKNOWLEDGED, se)
    with pytest.raises(ValidationError, match="Say which agency"):
        case_refer(incident=prevent, by=se.dsl, agency="", referred_on=TODAY)
    with pytest.raises(ValidationError, match="cannot be dated in the future"):
        case_refer(
            incident=prevent,
            by=se.dsl,
            agency=Agency.POLICE,
            referred_on=TODAY + datetime.timedelta(days=1),
        )
    entry = case_refer(
        incident=prevent, by=se.dsl, agency=Agency.CHANNEL, referred_on=TODAY, reference="CH-123"
    )
    assert entry.reference == "CH-123"
    assert Incident.objects.get(pk=prevent.pk).status == Status.REFERRED


def test_the_database_refuses_a_referral_without_an_agency(se, prevent):
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEntry.objects.create(incident=prevent, kind=EntryKind.REFERRAL, author=se.dsl)


def test_a_note_on_a_closed_case_is_refused_until_it_is_reopened(se, prevent):
    at(prevent, Status.CLOSED, se)
    with pytest.raises(ValidationError, match="closed: reopen it to add a note"):
        case_note_add(incident=prevent, by=se.dsl, text="One more thing")
    with pytest.raises(ValidationError, match="Say why the case is reopened"):
        case_status_change(incident=prevent, by=se.dsl, to=Status.INVESTIGATING)
    case_status_change(
        incident=prevent, by=se.dsl, to=Status.INVESTIGATING, text="Police asked again"
    )
    case_note_add(incident=prevent, by=se.dsl, text="One more thing")


def test_closing_records_the_outcome_and_whether_it_is_disciplinary(se, prevent):
    at(prevent, Status.INVESTIGATING, se)
    with pytest.raises(ValidationError, match="Record the outcome"):
        case_close(incident=prevent, by=se.dsl, outcome=" ", disciplinary=Disciplinary.NO)
    case_close(
        incident=prevent,
        by=se.dsl,
        outcome="Channel panel declined; monitored.",
        disciplinary=Disciplinary.NOT_APPLICABLE,
    )
    outcome = prevent.entries.get(kind=EntryKind.OUTCOME)
    assert outcome.disciplinary == Disciplinary.NOT_APPLICABLE
    assert Incident.objects.get(pk=prevent.pk).status == Status.CLOSED


def test_only_a_recipient_can_own_a_case(se, prevent):
    with pytest.raises(ValidationError, match="Only someone the case was routed to"):
        case_owner_set(incident=prevent, by=se.dsl, owner=se.governor)
    case_owner_set(incident=prevent, by=se.dsl, owner=se.head)
    assert Incident.objects.get(pk=prevent.pk).owner == se.head


def test_support_for_a_bullied_member_of_staff_is_recorded_on_cyberbullying_cases(se, prevent):
    bullying = submit(se.teacher, se.school, category=Category.CYBERBULLYING)
    entry = case_support_record(
        incident=bullying, by=se.head, support=[Support.COUNSELLING, Support.LINE_MANAGER], text=""
    )
    assert entry.support == ["counselling", "line_manager"]
    with pytest.raises(ValidationError, match="on a cyberbullying case"):
        case_support_record(incident=prevent, by=se.dsl, support=[Support.COUNSELLING], text="")


def test_nothing_in_the_chronology_is_edited_a_correction_is_a_new_entry(se, prevent):
    at(prevent, Status.ACKNOWLEDGED, se)
    note = case_note_add(incident=prevent, by=se.dsl, text="Spoke to the pupil's mother on Monday")
    correction = case_correct(
        incident=prevent, by=se.dsl, entry=note, text="It was Tuesday, not Monday"
    )
    assert correction.corrects == note
    note.text = "rewritten"
    with pytest.raises(ValidationError):
        note.save()
    for change in (
        lambda: CaseEntry.objects.filter(pk=note.pk).update(text="x"),
        lambda: CaseEntry.objects.filter(pk=note.pk).delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    assert CaseEntry.objects.get(pk=note.pk).text == "Spoke to the pupil's mother on Monday"


def test_the_chronology_holds_everything_in_time_order(se, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.CYBERBULLYING, files=[png()])
    at(incident, Status.ACKNOWLEDGED, se)  # the DSL is not a recipient here, but may act in tests
    case_note_add(incident=incident, by=se.head, text="Called the teacher")
    case_refer(incident=incident, by=se.head, agency=Agency.HR, referred_on=TODAY, reference="HR-9")
    case_close(
        incident=incident, by=se.head, outcome="Parent spoken to", disciplinary=Disciplinary.NO
    )
    what = [item.what for item in chronology(case_for(incident))]
    assert what[0] == "Report made"
    assert "Routed to Alice Archer" in what
    assert "Evidence added" in what
    assert "Notification sent (e-mail)" in what and "Notification sent (in the portal)" in what
    # The reporter being told of each status change is in it too (tests/notifications/test_outcomes.py).
    told = [i for i in chronology(case_for(incident)) if "The status of your report" in i.detail]
    assert {i.detail for i in told} == {"to Bob Baker: The status of your report has changed"}
    what = [w for w in what if not w.startswith("Notification sent")]
    assert what[-7:] == [
        "Status: new → acknowledged",
        "Owner: Sarah Lowe",
        "Note",
        "Referred to HR / disciplinary",
        "Status: acknowledged → referred",
        "Outcome",
        "Status: referred → closed",
    ]
    times = [item.at for item in chronology(case_for(incident))]
    assert times == sorted(times)
