"""Publishing happens once, and on the right day: a double submit, and 29 February."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from audit.models import Action, AuditEvent
from policies import services
from policies.forms import PublishForm
from policies.models import PolicyVersion, VersionStatus
from policies.services import draft_start
from tests.race import interleave
from tests.support import require

LEAP_DAY_NOON = datetime.datetime(2028, 2, 29, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def leap_day(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: LEAP_DAY_NOON)


def test_the_publish_form_on_29_february_suggests_a_review_on_28_february_next_year(leap_day):
    form = PublishForm()
    assert form.fields["approved_on"].initial == datetime.date(2028, 2, 29)
    assert form.fields["review_due"].initial == datetime.date(2029, 2, 28)


def test_just_after_midnight_in_summer_the_form_suggests_the_local_day(monkeypatch):
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    late = datetime.datetime(2027, 6, 30, 23, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late)
    assert PublishForm().fields["approved_on"].initial == datetime.date(2027, 7, 1)


def test_the_head_publishes_on_29_february_with_a_review_a_year_later(
    client, alice, se_policy, leap_day
):
    draft = draft_start(policy=se_policy.policy, by=alice)
    client.force_login(alice)
    url = f"/policies/{draft.policy_id}/draft/publish/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="2029-02-28"' in page.text
    response = client.post(
        url,
        {
            "approved_by": "Full governing body",
            "approved_on": "2028-02-29",
            "review_due": "2029-02-28",
            "summary_of_changes": "Reviewed; no change of substance",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert draft.review_due == datetime.date(2029, 2, 28)


def test_publishing_a_version_again_is_refused_with_a_clear_message(alice, se_policy):
    stale = PolicyVersion.objects.get(pk=se_policy.pk)
    stale.status = VersionStatus.DRAFT  # what a second tab still believes
    with pytest.raises(ValidationError, match="Version 1 has already been published"):
        services.version_publish(
            version=stale, by=alice, approved_by="FGB", approved_on=datetime.date(2026, 9, 1),
            review_due=datetime.date(2027, 9, 1),
        )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_two_publishes_at_once_publish_once_with_one_audit_row(alice, se_policy, monkeypatch):
    require(connection.vendor == "postgresql", "PostgreSQL")
    draft = draft_start(policy=se_policy.policy, by=alice)

    def publish():
        return services.version_publish(
            version=PolicyVersion.objects.get(pk=draft.pk), by=alice,
            approved_by="Full governing body", approved_on=datetime.date(2026, 11, 20),
            review_due=datetime.date(2027, 11, 20), summary_of_changes="Clause 6.5 reworded",
        )  # fmt: skip

    first, second = interleave(monkeypatch, (services, "_audit"), publish, publish)
    assert first.status == VersionStatus.PUBLISHED
    assert isinstance(second, ValidationError)
    assert "already been published" in " ".join(second.messages)
    published = AuditEvent.objects.filter(
        action=Action.POLICY_PUBLISHED, record=f"policies.PolicyVersion {draft.pk}"
    )
    assert published.count() == 1
