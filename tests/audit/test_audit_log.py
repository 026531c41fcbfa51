"""Sign-ins, refusals and every change are in an append-only log the Data Protection Lead reads."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from acknowledgements.models import ApprovalKind
from acknowledgements.services.approvals import approval_decide, approval_request_submit
from acknowledgements.services.declarations import declaration_submit
from audit.models import Action, AuditEvent
from incidents.triage import case_acknowledge, case_note_add
from people.models import Role
from tests.acknowledgements.test_signoff import sign
from tests.factories import PASSWORD, person
from tests.reports import submit


def actions(user=None) -> list[str]:
    events = AuditEvent.objects.order_by("pk")
    return list((events.filter(actor=user) if user else events).values_list("action", flat=True))


def test_signing_in_failing_and_signing_out_are_recorded_with_the_address(client, bob):
    client.post("/accounts/login/", {"login": "bob@se.example", "password": "wrong-password-x"})
    client.post(
        "/accounts/login/",
        {"login": "bob@se.example", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.9",
    )
    client.post("/accounts/logout/")
    assert actions(bob) == [Action.SIGN_IN_FAILED, Action.SIGN_IN, Action.SIGN_OUT]
    assert AuditEvent.objects.get(action=Action.SIGN_IN).ip_address == "192.0.2.9"
    client.post("/accounts/login/", {"login": "nobody@se.example", "password": "wrong-password-x"})
    assert AuditEvent.objects.order_by("pk").last().detail == "for an address with no account"


def test_refusals_are_recorded_403_and_404_alike(client, bob, villiers_policy):
    client.force_login(bob)
    client.get("/people/st-elisabeths/")
    client.get(f"/policies/{villiers_policy.policy_id}/")
    refusals = AuditEvent.objects.filter(action=Action.REFUSED, actor=bob)
    assert set(refusals.values_list("detail", flat=True)) == {
        "403 GET /people/st-elisabeths/",
        f"404 GET /policies/{villiers_policy.policy_id}/",
    }


def test_a_plain_missing_page_is_not_a_refusal(client, bob):
    client.force_login(bob)
    client.get("/no-such-page/")
    assert not AuditEvent.objects.filter(action=Action.REFUSED).exists()


def test_every_change_is_recorded_but_never_what_it_said(
    se_policy, alice, bob, st_elisabeths, django_capture_on_commit_callbacks
):
    dsl = person(st_elisabeths, Role.STAFF, Role.DSL)
    sign(bob, se_policy)
    declaration_submit(
        user=bob,
        school=st_elisabeths,
        pupil_name="Poppy Secret",
        class_or_year="Y3",
        relationship="niece",
    )
    request = approval_request_submit(
        user=bob, school=st_elisabeths, kind=ApprovalKind.OFFICIAL_SITE, details="Blog"
    )
    approval_decide(request=request, by=alice, approve=False, reason="Use the website")
    case = submit(bob, st_elisabeths, category="prevent")
    case_acknowledge(incident=case, by=dsl)
    case_note_add(incident=case, by=dsl, text="Mother says the pupil is frightened")
    recorded = actions()
    for action in (
        Action.SIGNED_OFF,
        Action.DECLARATION,
        Action.APPROVAL,
        Action.REPORT,
        Action.CASE_CHANGED,
    ):
        assert action in recorded
    everything = " ".join(AuditEvent.objects.values_list("detail", flat=True))
    assert (
        "Poppy" not in everything
        and "frightened" not in everything
        and "Use the website" not in everything
    )
    assert f"{case.reference}: note" in everything


def test_publishing_and_people_changes_are_recorded(client, alice, st_elisabeths):
    from tests.factories import import_source, publish

    publish(import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths), by=alice)
    client.force_login(alice)
    client.post(
        "/people/st-elisabeths/add/",
        {
            "full_name": "Nina New",
            "email": "nina@se.example",
            "staff_category": "teaching",
            "roles": ["staff"],
            "starts_on": "2026-09-01",
        },
    )
    assert Action.POLICY_PUBLISHED in actions(alice) and Action.PEOPLE in actions(alice)


def test_the_log_cannot_be_changed_or_deleted(bob, client):
    client.force_login(bob)
    event = AuditEvent.objects.create(action=Action.SIGN_IN, actor=bob)
    with pytest.raises(ValidationError):
        event.save()
    for change in (
        lambda: AuditEvent.objects.update(detail="x"),
        lambda: AuditEvent.objects.all().delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()


@pytest.fixture
def dpl(st_elisabeths):
    return person(st_elisabeths, Role.STAFF, Role.DPL, full_name="Diana Pryce")


def test_the_data_protection_lead_reads_their_schools_log_and_nothing_else(
    client, dpl, bob, charlie
):
    AuditEvent.objects.create(action=Action.SIGN_IN, actor=bob)
    AuditEvent.objects.create(action=Action.SIGN_IN, actor=charlie)
    client.force_login(dpl)
    page = client.get("/audit/").text
    assert "Bob Baker" in page and "Charlie Chen" not in page
    assert "Bob Baker" in client.get("/audit/", {"person": "bob"}).text
    assert "Bob Baker" not in client.get("/audit/", {"action": "refused"}).text


def test_the_log_query_count_does_not_grow_with_events(client, dpl, bob):
    # Expected: session, user, the lead's schools, the page count, the page of events with
    # their people and schools = 5.
    client.force_login(dpl)
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/")
    AuditEvent.objects.bulk_create(AuditEvent(action=Action.SIGN_IN, actor=bob) for _ in range(80))
    with CaptureQueriesContext(connection) as many:
        assert client.get("/audit/").text.count("Bob Baker") >= 50
    assert len(few) == len(many) == 5


def test_a_subject_access_export_holds_everything_about_the_person(
    client, dpl, bob, se_policy, st_elisabeths
):
    sign(bob, se_policy)
    declaration_submit(
        user=bob, school=st_elisabeths, pupil_name="Poppy", class_or_year="Y3", relationship="niece"
    )
    submit(bob, st_elisabeths, description="What I saw")
    client.force_login(dpl)
    response = client.get(f"/audit/people/{bob.pk}/subject-access.json")
    assert response["Content-Disposition"].startswith('attachment; filename="subject-access-')
    held = json.loads(response.content)
    assert held["person"]["email"] == "bob@se.example"
    assert held["policies signed"][0]["sha256 of the text"] == se_policy.content_sha256
    assert held["declarations"][0]["pupil"] == "Poppy"
    assert held["reports made"][0]["what happened"] == "What I saw"
    assert AuditEvent.objects.filter(action=Action.SUBJECT_ACCESS, actor=dpl).exists()
    pdf = client.get(f"/audit/people/{bob.pk}/subject-access.pdf")
    assert pdf.content.startswith(b"%PDF")


def test_a_subject_access_export_is_only_for_the_leads_own_schools(client, dpl, charlie, bob):
    client.force_login(dpl)
    assert client.get(f"/audit/people/{charlie.pk}/subject-access.json").status_code == 404
    assert client.get(f"/audit/people/{bob.pk}/subject-access.xml").status_code == 404
    client.force_login(bob)
    assert client.get(f"/audit/people/{bob.pk}/subject-access.json").status_code == 403


def test_the_lead_finds_a_person_to_export(client, dpl, bob):
    client.force_login(dpl)
    page = client.get("/audit/", {"find": "baker"}).text
    assert f"/audit/people/{bob.pk}/subject-access.json" in page
