"""In-app notifications for every outcome a person is waiting for: a declaration answered, a
request decided, a report's status changed. Each says only that something happened, and opens
the page that shows it; none carries a case's (or a declaration's) details."""

import datetime

import pytest
from django.core import mail

from acknowledgements.models import ApprovalKind
from acknowledgements.services.approvals import approval_decide, approval_request_submit
from acknowledgements.services.declarations import (
    declaration_acknowledge,
    declaration_request_more,
    declaration_submit,
)
from incidents.models import Agency, Category, Disciplinary
from incidents.triage import case_acknowledge, case_close, case_note_add, case_refer
from notifications.models import Channel, Kind, Notification
from notifications.selectors import unread_count
from tests.reports import submit

TODAY = datetime.date.today()


def in_app(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind, channel=Channel.IN_APP))


@pytest.fixture
def declaration(bob, st_elisabeths):
    return declaration_submit(
        user=bob, school=st_elisabeths, pupil_name="Poppy Baker", class_or_year="Year 3",
        relationship="niece", details="Family WhatsApp group",
    )  # fmt: skip


@pytest.mark.parametrize("outcome", ["acknowledged", "asked for more"])
def test_the_person_who_declared_is_told_in_the_portal(
    client, alice, bob, declaration, outcome, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        if outcome == "acknowledged":
            declaration_acknowledge(
                declaration=declaration, by=alice, discussed_on=TODAY, agreed_protocol="Family only"
            )
        else:
            declaration_request_more(declaration=declaration, by=alice, note="Which platforms?")
    [notification] = in_app(bob, Kind.DECLARATION_OUTCOME)
    assert notification.link == f"/acknowledgements/declarations/{declaration.pk}/"
    assert notification.title == "The Head has answered your declaration"
    # One e-mail, as before (the decision's own, with no details): not a second one.
    assert [m.to for m in mail.outbox if m.to == ["bob@se.example"]] == [["bob@se.example"]]
    assert not Notification.objects.filter(kind=Kind.DECLARATION_OUTCOME, channel=Channel.EMAIL)

    client.force_login(bob)
    listing = client.get("/notifications/").text
    assert "The Head has answered your declaration" in listing
    assert "Poppy" not in listing and "Which platforms" not in listing
    assert f'href="/acknowledgements/declarations/{declaration.pk}/"' in listing
    assert unread_count(bob) == 1
    client.get(f"/acknowledgements/declarations/{declaration.pk}/")
    assert unread_count(bob) == 0


def test_the_head_opening_the_declaration_does_not_read_the_persons_notification(
    client, alice, bob, declaration
):
    declaration_request_more(declaration=declaration, by=alice, note="Which platforms?")
    client.force_login(alice)
    client.get(f"/acknowledgements/declarations/{declaration.pk}/")
    assert unread_count(bob) == 1


@pytest.mark.parametrize("approve", [True, False])
def test_the_person_who_asked_is_told_their_request_was_decided(
    client, alice, bob, st_elisabeths, approve
):
    item = approval_request_submit(
        user=bob, school=st_elisabeths, kind=ApprovalKind.OFFICIAL_SITE, details="A Year 6 blog"
    )
    approval_decide(request=item, by=alice, approve=approve, reason="" if approve else "No.")
    [notification] = in_app(bob, Kind.APPROVAL_OUTCOME)
    assert notification.link == f"/acknowledgements/requests/{item.pk}/"
    assert not in_app(alice, Kind.APPROVAL_OUTCOME)
    client.force_login(bob)
    assert "Your request for prior approval has been decided" in client.get("/notifications/").text
    client.get(f"/acknowledgements/requests/{item.pk}/")
    assert unread_count(bob) == 0


def test_nothing_is_sent_for_a_decision_that_is_refused(alice, bob, declaration):
    declaration_acknowledge(
        declaration=declaration, by=alice, discussed_on=TODAY, agreed_protocol="Family only"
    )
    with pytest.raises(Exception, match="already been decided"):
        declaration_request_more(declaration=declaration, by=alice, note="Again?")
    assert len(in_app(bob, Kind.DECLARATION_OUTCOME)) == 1


def test_the_reporter_is_told_each_status_change_and_never_the_notes(
    client, se, django_capture_on_commit_callbacks
):
    case = submit(se.teacher, se.school, category=Category.BREACH, description="Secret details")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case_acknowledge(incident=case, by=se.head)
        case_note_add(incident=case, by=se.head, text="Spoke to the LADO about Mr X")
        case_refer(incident=case, by=se.head, agency=Agency.LADO, referred_on=TODAY)
        case_close(incident=case, by=se.head, outcome="Advice given", disciplinary=Disciplinary.NO)
    told = in_app(se.teacher, Kind.REPORT_STATUS)
    assert len(told) == 3  # acknowledged, referred, closed; a note is not a status
    assert {n.link for n in told} == {"/incidents/mine/"}
    assert not in_app(se.head, Kind.REPORT_STATUS)
    emails = [m for m in mail.outbox if m.to == [se.teacher.email]]
    assert len(emails) == 3
    for email in emails:
        assert case.reference in email.subject
        assert "/incidents/mine/" in email.body
        for secret in ("Secret details", "LADO", "Advice given", "closed", "Closed"):
            assert secret not in email.subject + email.body

    client.force_login(se.teacher)
    listing = client.get("/notifications/").text
    assert "The status of your report has changed" in listing
    assert "Spoke to the LADO" not in listing and "Advice given" not in listing
    assert f'href="/incidents/{case.pk}/"' not in listing  # the reporter never sees the case
    assert unread_count(se.teacher) == 3
    client.get("/incidents/mine/")
    assert unread_count(se.teacher) == 0


def test_a_reporter_who_moves_their_own_case_is_not_told_about_it(se):
    case = submit(se.dsl, se.school, category=Category.PUPIL_ONLINE_SAFETY)
    case_acknowledge(incident=case, by=se.dsl)
    assert not in_app(se.dsl, Kind.REPORT_STATUS)
