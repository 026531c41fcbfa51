import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from acknowledgements.models import Declaration, DeclarationStatus
from acknowledgements.services.declarations import (
    declaration_acknowledge,
    declaration_end,
    declaration_reconfirm,
    declaration_request_more,
    declaration_submit,
)

DETAILS = {"pupil_name": "Poppy Baker", "class_or_year": "Year 3", "relationship": "niece"}


@pytest.fixture
def declaration(bob, st_elisabeths, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return declaration_submit(
            user=bob, school=st_elisabeths, social_media_contact=True, **DETAILS
        )


def test_the_head_is_told_without_the_pupils_name(declaration):
    [email] = mail.outbox
    assert email.to == ["alice@se.example"]
    assert "Poppy" not in email.subject + email.body
    assert "/acknowledgements/head/" in email.body


def test_the_head_acknowledges_with_the_discussion_and_protocol(declaration, alice):
    declaration_acknowledge(
        declaration=declaration, by=alice, discussed_on=datetime.date(2026, 11, 20),
        agreed_protocol="Family accounts only; no school matters.",
    )  # fmt: skip
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.ACKNOWLEDGED
    assert declaration.decided_by == alice
    assert declaration.reconfirm_due == timezone.localdate(
        declaration.acknowledged_at + datetime.timedelta(days=365)
    )


def test_the_reconfirmation_is_due_on_the_local_day_not_the_utc_one(declaration, alice):
    declaration_acknowledge(
        declaration=declaration, by=alice, discussed_on=datetime.date(2026, 6, 30),
        agreed_protocol="Family accounts only.",
    )  # fmt: skip
    # 23:30 UTC on 30 June is 00:30 BST on 1 July, here and a year later.
    late = datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)
    Declaration.objects.filter(pk=declaration.pk).update(acknowledged_at=late)
    declaration.refresh_from_db()
    assert declaration.reconfirm_due == datetime.date(2027, 7, 1)


def test_asking_for_more_sends_it_back_and_an_answer_returns_it_to_the_head(
    client, declaration, alice, bob
):
    declaration_request_more(declaration=declaration, by=alice, note="Which platforms?")
    client.force_login(bob)
    page = client.get(f"/acknowledgements/declarations/{declaration.pk}/").text
    assert "Which platforms?" in page
    response = client.post(
        f"/acknowledgements/declarations/{declaration.pk}/change/",
        {**DETAILS, "social_media_contact": "on", "details": "Facebook only"},
    )
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING
    assert declaration.details == "Facebook only"


def test_a_decision_cannot_be_made_twice_or_by_the_wrong_person(declaration, alice, bob, dee):
    with pytest.raises(ValidationError, match="cannot decide"):
        declaration_request_more(declaration=declaration, by=dee, note="?")
    with pytest.raises(ValidationError, match="cannot decide"):
        declaration_request_more(declaration=declaration, by=bob, note="?")
    declaration_request_more(declaration=declaration, by=alice, note="?")
    with pytest.raises(ValidationError, match="already been decided"):
        declaration_acknowledge(
            declaration=declaration,
            by=alice,
            discussed_on=datetime.date(2026, 1, 1),
            agreed_protocol="x",
        )


def test_a_discussion_cannot_be_dated_in_the_future(declaration, alice):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        declaration_acknowledge(
            declaration=declaration, by=alice, discussed_on=tomorrow, agreed_protocol="x"
        )


def test_the_heads_own_declaration_goes_to_the_chair(alice, chair, st_elisabeths):
    own = declaration_submit(user=alice, school=st_elisabeths, **DETAILS)
    with pytest.raises(ValidationError, match="cannot decide"):
        declaration_acknowledge(
            declaration=own, by=alice, discussed_on=datetime.date(2026, 1, 1), agreed_protocol="x"
        )
    declaration_acknowledge(
        declaration=own, by=chair, discussed_on=datetime.date(2026, 1, 1), agreed_protocol="x"
    )
    assert Declaration.objects.get(pk=own.pk).decided_by == chair


def test_the_chair_does_not_see_staff_declarations(client, declaration, chair):
    client.force_login(chair)
    assert client.get(f"/acknowledgements/declarations/{declaration.pk}/").status_code == 404


def test_declaring_at_another_school_is_refused(client, bob, villiers, st_elisabeths):
    client.force_login(bob)
    response = client.post(
        "/acknowledgements/declarations/new/", {**DETAILS, "school": villiers.pk}
    )
    assert response.status_code == 200
    assert "You can only declare or ask at a school you work at." in response.text
    assert 'value="Poppy Baker"' in response.text
    assert not Declaration.objects.exists()
    with pytest.raises(ValidationError, match="school you work at"):
        declaration_submit(user=bob, school=villiers, **DETAILS)


def test_a_missing_field_is_named_and_what_was_typed_is_kept(client, bob, st_elisabeths):
    client.force_login(bob)
    response = client.post(
        "/acknowledgements/declarations/new/",
        {"school": st_elisabeths.pk, "pupil_name": "Poppy Baker", "class_or_year": "Year 3"},
    )
    assert "This field is required" in response.text
    assert 'value="Poppy Baker"' in response.text and 'value="Year 3"' in response.text


def test_the_declarer_reconfirms_yearly_and_can_end_it(declaration, alice):
    declaration_acknowledge(
        declaration=declaration,
        by=alice,
        discussed_on=datetime.date(2025, 11, 1),
        agreed_protocol="x",
    )
    Declaration.objects.filter(pk=declaration.pk).update(
        acknowledged_at=timezone.now() - datetime.timedelta(days=366)
    )
    declaration.refresh_from_db()
    assert declaration.needs_reconfirming
    declaration_reconfirm(declaration=declaration)
    assert not declaration.needs_reconfirming
    declaration_end(declaration=declaration)
    assert Declaration.objects.get(pk=declaration.pk).status == DeclarationStatus.ENDED
