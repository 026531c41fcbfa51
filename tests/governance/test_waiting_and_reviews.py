"""Declarations and requests waiting, by age; and policies past or near their review date."""

import datetime

import pytest
from django.utils import timezone

from acknowledgements.models import ApprovalRequest, ApprovalStatus, Declaration, DeclarationStatus
from governance import selectors
from governance.periods import current_term
from people.models import Role, Trust
from policies.services import policy_import
from seeding.demo.policies import SOURCES
from tests.factories import import_source, publish
from tests.governance.data import rows, staff, trust_member, waiting

SOURCE = SOURCES / "villiers-staff-social-media.md"


@pytest.fixture
def today():
    return timezone.localdate()


def test_declarations_waiting_are_counted_by_how_long_and_for_whom(villiers, oscar, today):
    people = staff(villiers, 3)
    for days in (1, 6):
        waiting(Declaration, villiers, people[0], days_ago=days)
    waiting(Declaration, villiers, people[1], days_ago=10, status=DeclarationStatus.MORE_INFO)
    waiting(Declaration, villiers, people[2], days_ago=45)
    waiting(Declaration, villiers, people[2], days_ago=90, status=DeclarationStatus.ACKNOWLEDGED)
    waiting(Declaration, oscar, staff(oscar, 1)[0], days_ago=70)  # another school's
    dashboard = selectors.school_dashboard(villiers, current_term(today), today=today)
    # Waiting for the Head, sent back for more information, all
    assert rows(dashboard, "waiting-declarations") == {
        "Under 1 week": ["2", "0", "2"],
        "1 to 4 weeks": ["0", "1", "1"],
        "Over 4 weeks": ["1", "0", "1"],
        "All waiting": ["3", "1", "4"],
        "Longest wait (days)": ["45", "10", "45"],
    }


def test_requests_waiting_are_counted_by_how_long(villiers, today):
    person = staff(villiers, 1)[0]
    waiting(ApprovalRequest, villiers, person, days_ago=28)
    waiting(ApprovalRequest, villiers, person, days_ago=27)
    decided = waiting(ApprovalRequest, villiers, person, days_ago=40)
    ApprovalRequest.objects.filter(pk=decided.pk).update(
        status=ApprovalStatus.DECLINED, reason="No"
    )
    dashboard = selectors.school_dashboard(villiers, current_term(today), today=today)
    assert rows(dashboard, "waiting-requests") == {
        "Under 1 week": ["0"],
        "1 to 4 weeks": ["1"],
        "Over 4 weeks": ["1"],
        "All waiting": ["2"],
        "Longest wait (days)": ["28"],
    }


def test_with_nothing_waiting_there_is_no_longest_wait(villiers, today):
    dashboard = selectors.school_dashboard(villiers, current_term(today), today=today)
    assert rows(dashboard, "waiting-requests")["Longest wait (days)"] == ["–"]


def test_a_trust_sees_what_is_waiting_at_each_school(villiers, oscar, shine, today):
    waiting(Declaration, villiers, staff(villiers, 1)[0], days_ago=3)
    waiting(ApprovalRequest, oscar, staff(oscar, 1)[0], days_ago=3)
    dashboard = selectors.trust_dashboard(shine, current_term(today), today=today)
    assert rows(dashboard, "waiting-school") == {
        "Oakfield Primary School": ["0", "1"],
        "Villiers Primary School": ["1", "0"],
        "All schools": ["1", "1"],
    }


def test_policies_are_flagged_past_or_near_their_review_date(villiers, shine, today):
    def published(version, review_due: datetime.date):
        return publish(
            version, approved_on=review_due - datetime.timedelta(days=365), review_due=review_due
        )

    published(
        import_source("villiers-staff-social-media.md", school=villiers),
        today - datetime.timedelta(days=3),
    )
    published(
        policy_import(text=SOURCE.read_text(), trust=shine, title="Trust code of conduct"),
        today + datetime.timedelta(days=30),
    )
    dashboard = selectors.school_dashboard(villiers, current_term(today), today=today)
    assert rows(dashboard, "reviews-count") == {
        "Past its review date": ["1"],
        "Due within 60 days": ["1"],
        "Not due yet": ["0"],
        "No review date set": ["0"],
        "All current policies": ["2"],
    }
    assert [cells[1] for cells in rows(dashboard, "reviews-list").values()] == [
        "Overdue by 3 days",
        "Due in 30 days",
    ]
    assert list(rows(dashboard, "reviews-list")) == [
        "Social Media Policy, version 1",
        "Trust code of conduct, version 1",
    ]
    assert [h.value for h in dashboard.headlines if "review" in h.label] == ["1"]


def test_the_parents_code_is_reviewed_like_every_policy_but_not_signed(villiers, today):
    parents = publish(import_source("villiers-parents-code-of-conduct.md", school=villiers))
    dashboard = selectors.school_dashboard(villiers, current_term(today), today=today)
    assert list(rows(dashboard, "reviews-list")) == [
        "Social Media & Networking Code of Conduct for Parents/Carers, version 1"
    ]
    assert dashboard.sections[0].tables == []  # nothing for staff to sign
    assert f"signoff-{parents.pk}-category" not in {
        t.key for s in dashboard.sections for t in s.tables
    }


def test_a_trust_with_no_schools_yet_has_a_dashboard_of_noughts(client, db):
    trust = Trust.objects.create(name="New Trust", slug="new-trust")
    client.force_login(trust_member(trust, Role.GOVERNOR, full_name="Nora New"))
    page = client.get("/governance/trusts/new-trust/")
    assert page.status_code == 200
    assert "Incidents reported, by category" in page.text
