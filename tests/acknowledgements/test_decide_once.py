"""A decision is made once: two submits at once (a double click, two tabs, the Head and the
Chair) make one decision, one e-mail and one audit row, and the second is told why."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from acknowledgements.models import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Declaration,
    DeclarationStatus,
    SignOff,
)
from acknowledgements.services import common, signoff
from acknowledgements.services.approvals import approval_decide, approval_request_submit
from acknowledgements.services.declarations import declaration_acknowledge, declaration_submit
from audit.models import Action, AuditEvent
from notifications.models import Channel, Notification
from tests.acknowledgements.test_signoff import sign
from tests.race import interleave
from tests.support import require

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql():
    require(connection.vendor == "postgresql", "PostgreSQL")


def test_two_decisions_on_a_request_at_once_make_one(alice, bob, st_elisabeths, monkeypatch):
    request = approval_request_submit(
        user=bob, school=st_elisabeths, kind=ApprovalKind.OFFICIAL_SITE, details="PTA page"
    )
    emails_before = Notification.objects.filter(recipient=bob, channel=Channel.EMAIL).count()

    def approve():
        return approval_decide(
            request=ApprovalRequest.objects.get(pk=request.pk), by=alice, approve=True
        )

    def decline():
        return approval_decide(
            request=ApprovalRequest.objects.get(pk=request.pk), by=alice, approve=False,
            reason="Use the school's page",
        )  # fmt: skip

    first, second = interleave(monkeypatch, (common, "audit_decision"), approve, decline)
    assert first.status == ApprovalStatus.APPROVED
    assert isinstance(second, ValidationError)
    assert second.messages == ["This has already been decided (Approved)."]
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.APPROVED
    decisions = AuditEvent.objects.filter(action=Action.APPROVAL).exclude(
        detail__startswith="asked"
    )
    assert list(decisions.values_list("detail", flat=True)) == ["approved"]
    assert (
        Notification.objects.filter(recipient=bob, channel=Channel.EMAIL).count()
        == emails_before + 1
    )


def test_two_acknowledgements_of_a_declaration_at_once_make_one(
    alice, bob, st_elisabeths, monkeypatch
):
    declaration = declaration_submit(
        user=bob, school=st_elisabeths, pupil_name="Poppy Baker", class_or_year="Year 3",
        relationship="niece", social_media_contact=True,
    )  # fmt: skip
    emails_before = Notification.objects.filter(recipient=bob, channel=Channel.EMAIL).count()

    def acknowledge():
        return declaration_acknowledge(
            declaration=Declaration.objects.get(pk=declaration.pk), by=alice,
            discussed_on=datetime.date(2026, 11, 20), agreed_protocol="Family accounts only",
        )  # fmt: skip

    first, second = interleave(monkeypatch, (common, "audit_decision"), acknowledge, acknowledge)
    assert first.status == DeclarationStatus.ACKNOWLEDGED
    assert isinstance(second, ValidationError)
    assert "already been decided" in second.messages[0]
    events = AuditEvent.objects.filter(action=Action.DECLARATION, detail="acknowledged")
    assert events.count() == 1
    assert (
        Notification.objects.filter(recipient=bob, channel=Channel.EMAIL).count()
        == emails_before + 1
    )


def test_two_sign_offs_at_once_make_one_record_and_one_audit_row(bob, se_policy, monkeypatch):
    first, second = interleave(
        monkeypatch, (signoff, "audit_record"), lambda: sign(bob, se_policy),
        lambda: sign(bob, se_policy),
    )  # fmt: skip
    assert first[1] is True and second[1] is False
    assert first[0].pk == second[0].pk
    assert SignOff.objects.filter(user=bob, version=se_policy).count() == 1
    assert AuditEvent.objects.filter(action=Action.SIGNED_OFF, actor=bob).count() == 1
