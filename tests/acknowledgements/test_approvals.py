import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from acknowledgements.models import ApprovalKind, ApprovalRequest, ApprovalStatus
from acknowledgements.services.approvals import approval_decide, approval_request_submit


@pytest.fixture
def request_(bob, alice, st_elisabeths):
    return approval_request_submit(
        user=bob,
        school=st_elisabeths,
        kind=ApprovalKind.PARENT_CONVERSATIONS,
        details="Class WhatsApp",
    )


def test_the_head_declines_with_a_reason_the_person_sees(
    client, request_, alice, bob, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    url = f"/acknowledgements/requests/{request_.pk}/"
    refused = client.post(url, {"decision": "decline", "reason": ""})
    assert "Say why the request is declined" in refused.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "decline", "reason": "Use the school's Class Dojo."})
    request_.refresh_from_db()
    assert request_.status == ApprovalStatus.DECLINED
    assert mail.outbox[-1].to == ["bob@se.example"]
    assert "Dojo" not in mail.outbox[-1].body  # the reason is in the portal, not the e-mail
    client.force_login(bob)
    assert "Use the school&#x27;s Class Dojo." in client.get(url).text


def test_a_decline_without_a_reason_is_refused_by_the_service_and_the_database(request_, alice):
    with pytest.raises(ValidationError, match="Say why"):
        approval_decide(request=request_, by=alice, approve=False, reason=" ")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRequest.objects.filter(pk=request_.pk).update(status=ApprovalStatus.DECLINED)


def test_an_approval_shows_as_expired_after_its_date(request_, alice):
    # The local day: date.today() is the server's (UTC), a day behind just after midnight BST.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    approval_decide(request=request_, by=alice, approve=True, expires_on=tomorrow)
    request_.refresh_from_db()
    assert request_.status_label == "Approved"
    ApprovalRequest.objects.filter(pk=request_.pk).update(expires_on=datetime.date(2020, 1, 1))
    request_.refresh_from_db()
    assert request_.is_expired and request_.status_label == "Expired"


def test_every_kind_names_its_clause(client, bob, se_policy):
    # Its clause in the reader's own school's policy (tests/acknowledgements/test_school_wording.py).
    client.force_login(bob)
    page = client.get("/acknowledgements/requests/new/").text
    for kind in ApprovalKind:
        assert kind.label in page
    assert "§6.5" in page and "§8.1" in page
