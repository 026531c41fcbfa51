"""Routing never fails silently: the Chair and vice-chair, people who answer to the subject, and
escalation under the same rules. The last tests generate whole schools and trusts (Hypothesis)
and check the rules hold for every category and every subject."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import Category
from incidents.routing import ANSWERS_TO, CHAINS, People, escalation_step, route
from people.models import Membership, Role, School, Trust, User
from tests.factories import person
from tests.reports import trust_member


def recipients(decisions) -> list:
    return [d.recipient for d in decisions if d.recipient is not None]


@pytest.fixture
def vice_chair(se):
    return person(se.school, Role.VICE_CHAIR, full_name="Vera Vice")


def test_a_report_about_the_head_goes_to_the_vice_chair_when_the_chair_is_vacant(se, vice_chair):
    Membership.objects.filter(user=se.chair).delete()
    (decision,) = route(school=se.school, category=Category.BREACH, subject=se.head)
    assert decision.recipient == vice_chair
    assert decision.role == Role.VICE_CHAIR
    assert decision.reason == (
        "The Head of School is the subject of the report; the role of Chair of Governors is "
        "vacant; routed to the Vice-chair of Governors instead."
    )


def test_a_report_about_the_head_at_an_academy_goes_to_the_trusts_safeguarding_lead(vi):
    Membership.objects.filter(school=vi.school, role=Role.CHAIR).delete()
    lead = person(vi.school, full_name="Trudy Lead")
    lead.memberships.all().delete()
    trust_member(lead, vi.trust, Role.DSL)
    (decision,) = route(school=vi.school, category=Category.BREACH, subject=vi.head)
    assert decision.recipient == lead
    assert decision.reason.endswith("routed to the trust's Designated Safeguarding Lead instead.")


def test_a_report_about_the_head_never_reaches_their_deputies_or_staff(se):
    Membership.objects.filter(user=se.chair).delete()
    for category in Category:
        decisions = route(school=se.school, category=category, subject=se.head)
        assert recipients(decisions) == [], category
        assert decisions[0].reason.endswith("nobody in the portal can receive it.")


def test_a_report_about_the_chair_goes_to_the_head_and_the_vice_chair(se, vice_chair):
    decisions = route(school=se.school, category=Category.BREACH, subject=se.chair)
    assert recipients(decisions) == [se.head, vice_chair]
    assert decisions[1].reason.startswith("The report is about the Chair of Governors, so the ")


def test_the_head_reporting_the_chair_is_not_the_only_recipient(se, vice_chair):
    decisions = route(school=se.school, category=Category.BREACH, subject=se.chair)
    assert set(recipients(decisions)) - {se.head} == {vice_chair}


def test_a_report_about_the_chair_with_no_vice_chair_says_so_and_still_reaches_the_head(se):
    decisions = route(school=se.school, category=Category.BREACH, subject=se.chair)
    assert recipients(decisions) == [se.head]
    assert decisions[1].recipient is None
    assert "the role of Vice-chair of Governors is vacant" in decisions[1].reason


def test_escalation_of_a_report_about_the_head_goes_to_the_vice_chair_not_the_deputy(
    se, vice_chair
):
    role, at_trust, people = escalation_step(
        school=se.school, subject=se.head, roles=[Role.CHAIR], have_it={se.chair.pk}
    )
    assert (role, at_trust, people) == (Role.VICE_CHAIR, False, [vice_chair])


def test_escalation_of_a_dsl_case_goes_to_the_deputy_dsl(se):
    role, _, people = escalation_step(
        school=se.school, subject=None, roles=[Role.DSL], have_it={se.dsl.pk}
    )
    assert (role, people) == (Role.DEPUTY_DSL, [se.deputy_dsl])


def test_escalation_about_the_dsl_skips_the_deputy_who_answers_to_them(se):
    role, _, people = escalation_step(
        school=se.school, subject=se.dsl, roles=[Role.HEAD], have_it={se.head.pk}
    )
    assert se.deputy_dsl not in people and se.dsl not in people
    assert (role, people) == (Role.DEPUTY_HEAD, [se.deputy_head])


def test_every_chain_is_data_with_the_guidance_behind_each_fallback():
    for role, chain in CHAINS.items():
        assert chain.steps[0].role == role or role == Role.CHAIR
        for step in chain.steps[1:]:
            assert step.because, (role, step)


# Generated worlds: a trust with two schools and a school on its own, people holding random
# roles (several at once, or none), at a school or at the trust.

SCHOOL_ROLES = [
    Role.HEAD, Role.DEPUTY_HEAD, Role.DSL, Role.DEPUTY_DSL, Role.CHAIR, Role.VICE_CHAIR,
    Role.GOVERNOR, Role.STAFF,
]  # fmt: skip
TRUST_ROLES = [Role.TRUST_HR, Role.DSL, Role.HEAD, Role.DPL]

person_roles = st.tuples(
    st.integers(min_value=0, max_value=2),  # which school (2: at the trust)
    st.sets(st.sampled_from(SCHOOL_ROLES), max_size=3),
    st.sets(st.sampled_from(TRUST_ROLES), max_size=1),
)
worlds = st.lists(person_roles, min_size=1, max_size=9)


def build(world) -> tuple[list[School], list[User]]:
    trust = Trust.objects.create(name="Generated Trust", slug="generated-trust")
    schools = [
        School.objects.create(name="Academy", slug="academy", trust=trust),
        School.objects.create(name="Maintained", slug="maintained"),
    ]
    people = []
    for index, (where, roles, trust_roles) in enumerate(world):
        user = User.objects.create_user(f"p{index}@gen.example", full_name=f"Person {index}")
        people.append(user)
        school = schools[where] if where < 2 else None
        for role in roles if school else ():
            Membership.objects.create(
                user=user, school=school, role=role, staff_category="teaching"
            )
        for role in trust_roles if where in (0, 2) else ():
            Membership.objects.create(
                user=user, trust=trust, role=role, staff_category="non_teaching"
            )
    return schools, people


def answers_to(people: People, subject: User) -> set[int]:
    return {
        user.pk
        for role, holders in people.at_school.items()
        if subject in holders
        for under in ANSWERS_TO.get(role, ())
        for user in people.at_school.get(under, ())
    }


RECEIVING_AT_SCHOOL = {
    Role.HEAD, Role.DEPUTY_HEAD, Role.DSL, Role.DEPUTY_DSL, Role.CHAIR, Role.VICE_CHAIR,
}  # fmt: skip
RECEIVING_AT_TRUST = {Role.HEAD, Role.DSL, Role.TRUST_HR}


def eligible(people: People, subject: User | None) -> set[int]:
    """Everyone in the world who may receive a report about the subject at all: a holder of a
    role that receives reports, who is not the subject and does not answer to them (in any of
    their roles: a deputy DSL who is also the trust's Head of HR still answers to the DSL)."""
    excluded = answers_to(people, subject) if subject else set()
    at_school = {
        u.pk
        for role in RECEIVING_AT_SCHOOL
        for u in people.at_school.get(role, ())
        if u.pk not in excluded
    }
    at_trust = {
        u.pk
        for role in RECEIVING_AT_TRUST
        for u in people.at_trust.get(role, ())
        if u.pk not in excluded
    }
    return (at_school | at_trust) - ({subject.pk} if subject else set())


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(world=worlds, data=st.data())
def test_generated_worlds_route_every_report_under_the_rules(world, data, django_db_blocker):
    from django.db import transaction

    with transaction.atomic():
        schools, users = build(world)
        for school in schools:
            people = People.of(school, datetime.date.today())
            candidates = [None, *users]
            subject = data.draw(st.sampled_from(candidates), label="subject")
            for category in Category:
                decisions = route(school=school, category=category, subject=subject, people=people)
                got = recipients(decisions)
                # Each person once; never the subject; never anyone who answers to the subject.
                assert len(got) == len(set(got))
                if subject is not None:
                    assert subject not in got
                    assert not {u.pk for u in got} & answers_to(people, subject)
                # Everyone reached holds a role at the school or its trust.
                reachable = {u.pk for us in people.at_school.values() for u in us} | {
                    u.pk for us in people.at_trust.values() for u in us
                }
                assert {u.pk for u in got} <= reachable
                # Nobody is reached only when nobody eligible exists in the world; then every
                # decision says so, and the report waits unrouted.
                assert bool(got) == bool(eligible(people, subject)), decisions
                if not got:
                    assert all(d.recipient is None for d in decisions)
                    assert decisions[-1].reason.endswith("nobody in the portal can receive it.")
                # Escalation follows the same rules: never the subject, those who answer to
                # them, or someone who has it already.
                roles = list(dict.fromkeys(Role(d.role) for d in decisions))
                have = {u.pk for u in got}
                _, _, more = escalation_step(
                    school=school, subject=subject, roles=roles, have_it=have
                )
                assert not {u.pk for u in more} & have
                if subject is not None:
                    assert subject not in more
                    assert not {u.pk for u in more} & answers_to(people, subject)
        transaction.set_rollback(True)
