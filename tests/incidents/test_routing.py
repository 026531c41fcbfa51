"""The routing table of DESIGN.md, row by row, and every rule that holds for every report."""

import datetime

import pytest

from incidents.models import Category
from incidents.routing import route
from incidents.rules import RULES
from people.models import Membership, Role
from tests.factories import person
from tests.reports import trust_member

DEFAULT_RECIPIENTS = {
    Category.BREACH: ["head"],
    Category.CYBERBULLYING: ["head"],
    Category.PREVENT: ["dsl", "head"],
    Category.PUPIL_ONLINE_SAFETY: ["dsl"],
    Category.UNSUITABLE_MATERIAL: ["head"],
    Category.INDECENT_IMAGES: ["head", "dsl"],
    Category.SOCIAL_MEDIA_MISUSE: ["head"],
    Category.PUPIL_CONTACT: ["head", "dsl"],
}
URGENT = {
    Category.PREVENT,
    Category.PUPIL_ONLINE_SAFETY,
    Category.INDECENT_IMAGES,
    Category.PUPIL_CONTACT,
}


def names(decisions) -> list[str | None]:
    return [d.recipient.full_name if d.recipient else None for d in decisions]


def test_the_table_has_a_rule_for_every_category():
    assert set(RULES) == set(Category.values)
    assert {c for c, rule in RULES.items() if rule.urgent} == URGENT
    assert [c for c, rule in RULES.items() if not rule.accepts_evidence] == [
        Category.INDECENT_IMAGES
    ]
    assert all(rule.clauses and rule.covers for rule in RULES.values())


@pytest.mark.parametrize("category", list(DEFAULT_RECIPIENTS))
def test_each_category_goes_to_its_roles_by_default(se, category):
    decisions = route(school=se.school, category=category)
    expected = [getattr(se, role) for role in DEFAULT_RECIPIENTS[category]]
    assert [d.recipient for d in decisions] == expected
    for decision in decisions:
        assert decision.reason.startswith("Reports of this kind go to the ")


def test_a_default_decision_names_the_role_as_the_school_names_it(se):
    (decision,) = route(school=se.school, category=Category.BREACH)
    assert decision.role == Role.HEAD
    assert decision.reason == "Reports of this kind go to the Head of School."


def test_a_report_about_the_head_goes_to_the_chair(se):
    (decision,) = route(school=se.school, category=Category.BREACH, subject=se.head)
    assert decision.recipient == se.chair
    assert decision.role == Role.CHAIR
    assert decision.reason == (
        "The Head of School is the subject of the report; routed to the Chair of Governors instead."
    )


def test_a_report_about_the_head_skips_everyone_who_answers_to_them(se):
    # The DSL and the deputy head are line-managed by the Head: the Chair alone receives it.
    decisions = route(school=se.school, category=Category.PUPIL_CONTACT, subject=se.head)
    assert [d.recipient for d in decisions] == [se.chair]
    assert decisions[0].reason.endswith(
        "Also receives it in place of the Designated Safeguarding Lead: notified once."
    )


def test_a_report_about_the_deputy_head_goes_to_the_head(se):
    # Everyone holds the staff role, the Head too: the Head does not "answer to" a deputy.
    (decision,) = route(school=se.school, category=Category.BREACH, subject=se.deputy_head)
    assert decision.recipient == se.head


def test_a_report_about_the_dsl_goes_to_the_head(se):
    (decision,) = route(school=se.school, category=Category.PUPIL_ONLINE_SAFETY, subject=se.dsl)
    assert decision.recipient == se.head
    assert decision.reason == (
        "The Designated Safeguarding Lead is the subject of the report; "
        "routed to the Head of School instead."
    )


def test_a_prevent_concern_about_the_dsl_reaches_the_head_once(se):
    (decision,) = route(school=se.school, category=Category.PREVENT, subject=se.dsl)
    assert decision.recipient == se.head
    assert "notified once" in decision.reason


def test_a_report_about_a_trust_officer_goes_to_the_head(vi):
    # The technician is centrally employed, so cyberbullying of them goes to the Head of HR;
    # but the Head of HR is the one doing it.
    (decision,) = route(
        school=vi.school, category=Category.CYBERBULLYING, subject=vi.hr, affected=vi.technician
    )
    assert decision.recipient == vi.head
    assert decision.reason.startswith("Cyberbullying of the trust's centrally employed staff")
    assert "the Trust Head of HR is the subject of the report" in decision.reason
    assert decision.reason.endswith("routed to the Head Teacher instead.")


def test_cyberbullying_of_centrally_employed_staff_goes_to_the_trusts_head_of_hr(vi):
    (decision,) = route(school=vi.school, category=Category.CYBERBULLYING, affected=vi.technician)
    assert decision.recipient == vi.hr
    assert decision.role == Role.TRUST_HR
    assert decision.reason == (
        "Cyberbullying of the trust's centrally employed staff goes to the trust's Head of HR "
        "(003 “Cyber bullying”)."
    )


def test_cyberbullying_of_school_employed_staff_at_a_trust_school_goes_to_the_head(vi):
    (decision,) = route(school=vi.school, category=Category.CYBERBULLYING, affected=vi.teacher)
    assert decision.recipient == vi.head


def test_cyberbullying_of_central_staff_with_no_head_of_hr_goes_to_the_head(vi):
    Membership.objects.filter(user=vi.hr).update(ends_on=datetime.date(2025, 12, 31))
    (decision,) = route(school=vi.school, category=Category.CYBERBULLYING, affected=vi.technician)
    assert decision.recipient == vi.head
    assert "the role of Trust Head of HR is vacant" in decision.reason


def test_a_vacant_dsl_falls_back_to_the_deputy_dsl(se):
    Membership.objects.filter(user=se.dsl, role=Role.DSL).delete()
    (decision,) = route(school=se.school, category=Category.PUPIL_ONLINE_SAFETY)
    assert decision.recipient == se.deputy_dsl
    assert decision.role == Role.DEPUTY_DSL
    assert decision.reason == (
        "The role of Designated Safeguarding Lead is vacant; "
        "routed to the Deputy Designated Safeguarding Lead instead."
    )


def test_a_vacant_dsl_and_deputy_fall_back_to_the_trusts_dsl(vi):
    trust_dsl = person(vi.school, full_name="Tessa Trust")
    trust_dsl.memberships.all().delete()
    trust_member(trust_dsl, vi.trust, Role.DSL)
    Membership.objects.filter(user=vi.dsl, role=Role.DSL).delete()
    (decision,) = route(school=vi.school, category=Category.PUPIL_ONLINE_SAFETY)
    assert decision.recipient == trust_dsl
    assert decision.reason.endswith("routed to the trust's Designated Safeguarding Lead instead.")


def test_a_vacant_dsl_with_no_deputy_or_trust_falls_back_to_the_head(se):
    Membership.objects.filter(role__in=[Role.DSL, Role.DEPUTY_DSL]).delete()
    (decision,) = route(school=se.school, category=Category.PUPIL_ONLINE_SAFETY)
    assert decision.recipient == se.head
    assert decision.reason == (
        "The role of Designated Safeguarding Lead is vacant; "
        "the role of Deputy Designated Safeguarding Lead is vacant; "
        "routed to the Head of School instead."
    )


def test_a_vacant_head_falls_back_to_the_deputy_head(se):
    Membership.objects.filter(user=se.head, role=Role.HEAD).delete()
    (decision,) = route(school=se.school, category=Category.BREACH)
    assert decision.recipient == se.deputy_head
    assert decision.role == Role.DEPUTY_HEAD


def test_a_vacant_head_and_deputy_fall_back_to_the_chair(se):
    Membership.objects.filter(role__in=[Role.HEAD, Role.DEPUTY_HEAD]).delete()
    (decision,) = route(school=se.school, category=Category.BREACH)
    assert decision.recipient == se.chair
    assert decision.reason.endswith("routed to the Chair of Governors instead.")


def test_the_subject_is_never_the_fallback(se):
    Membership.objects.filter(user=se.dsl, role=Role.DSL).delete()
    (decision,) = route(
        school=se.school, category=Category.PUPIL_ONLINE_SAFETY, subject=se.deputy_dsl
    )
    assert decision.recipient == se.head
    assert decision.reason == (
        "The role of Designated Safeguarding Lead is vacant; "
        "the Deputy Designated Safeguarding Lead is the subject of the report; "
        "routed to the Head of School instead."
    )


def test_a_report_about_a_head_who_is_also_the_dsl_reaches_only_the_chair(se):
    Membership.objects.filter(user=se.dsl).delete()
    Membership.objects.create(
        user=se.head, school=se.school, role=Role.DSL, staff_category="teaching"
    )
    decisions = route(school=se.school, category=Category.PREVENT, subject=se.head)
    assert [d.recipient for d in decisions] == [se.chair]


def test_one_person_holding_two_routed_roles_gets_it_once(se):
    Membership.objects.filter(user=se.dsl).delete()
    Membership.objects.create(
        user=se.head, school=se.school, role=Role.DSL, staff_category="teaching"
    )
    (decision,) = route(school=se.school, category=Category.PREVENT)
    assert decision.recipient == se.head
    assert decision.role == Role.DSL
    assert decision.reason == (
        "Reports of this kind go to the Designated Safeguarding Lead. "
        "Also receives it as the Head of School: notified once."
    )


def test_two_holders_of_a_role_both_receive_it(se):
    second = person(se.school, Role.DSL, full_name="Second DSL")
    decisions = route(school=se.school, category=Category.PUPIL_ONLINE_SAFETY)
    assert {d.recipient for d in decisions} == {se.dsl, second}


def test_only_memberships_current_on_the_day_count(se):
    Membership.objects.filter(user=se.dsl, role=Role.DSL).update(ends_on=datetime.date(2026, 3, 31))
    future = person(se.school, full_name="New DSL")
    Membership.objects.filter(user=future).update(
        role=Role.DSL, starts_on=datetime.date(2026, 4, 1)
    )
    on_31_march = route(
        school=se.school, category=Category.PUPIL_ONLINE_SAFETY, on=datetime.date(2026, 3, 31)
    )
    on_1_april = route(
        school=se.school, category=Category.PUPIL_ONLINE_SAFETY, on=datetime.date(2026, 4, 1)
    )
    assert names(on_31_march) == ["Sarah Lowe"]
    assert names(on_1_april) == ["New DSL"]


def test_another_schools_head_never_receives_it(se, vi):
    decisions = route(school=se.school, category=Category.BREACH)
    assert vi.head not in [d.recipient for d in decisions]


def test_an_inactive_account_does_not_receive_it(se):
    se.dsl.is_active = False
    se.dsl.save()
    (decision,) = route(school=se.school, category=Category.PUPIL_ONLINE_SAFETY)
    assert decision.recipient == se.deputy_dsl


def test_when_nobody_can_receive_it_the_decision_says_so(se):
    Membership.objects.filter(user=se.chair).delete()
    (decision,) = route(school=se.school, category=Category.BREACH, subject=se.head)
    assert decision.recipient is None
    assert decision.reason == (
        "The Head of School is the subject of the report; "
        "the role of Chair of Governors is vacant; the role of Vice-chair of Governors is vacant; "
        "the Designated Safeguarding Lead answers to the subject of the report; "
        "the Deputy Designated Safeguarding Lead answers to the subject of the report; "
        "nobody in the portal can receive it."
    )


def test_routing_reads_the_memberships_in_one_query(se, django_assert_num_queries):
    # Expected: the current memberships covering the school, with their people = 1.
    with django_assert_num_queries(1):
        route(school=se.school, category=Category.PREVENT, subject=se.dsl)
