"""Who may read a policy, in generated worlds: every combination of roles at schools and
trusts, current, ended and not yet started, against the rule written out in Python."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.refusal import Refused
from people.models import Membership, Role
from policies.models import Policy, PolicyVersion
from policies.permissions import readable_policies, version_for_user
from tests.factories import SchoolFactory, TrustFactory, UserFactory

DAY = datetime.timedelta(days=1)


@pytest.fixture
def world(db):
    """Two trusts (the first with two schools, the second with one), a school on its own, and
    a policy, with a version, of every school and of every trust."""
    first, second = TrustFactory(), TrustFactory()
    schools = [
        SchoolFactory(trust=first),
        SchoolFactory(trust=first),
        SchoolFactory(trust=second),
        SchoolFactory(),
    ]
    trusts = [first, second]
    policies = [Policy.objects.create(title=f"Of {s.name}", school=s) for s in schools] + [
        Policy.objects.create(title=f"Of {t.name}", trust=t) for t in trusts
    ]
    versions = {p.pk: PolicyVersion.objects.create(policy=p, number=1) for p in policies}
    return schools, trusts, policies, versions


def may_read(memberships: list[Membership], policy: Policy, today: datetime.date) -> bool:
    """The rule, from DESIGN.md: a role today at the policy's school or its trust; for a
    trust's policy, at the trust or at one of its schools."""
    for m in memberships:
        if m.starts_on > today or (m.ends_on is not None and m.ends_on < today):
            continue
        if policy.school_id and (
            m.school_id == policy.school_id
            or (m.trust_id is not None and m.trust_id == policy.school.trust_id)
        ):
            return True
        if policy.trust_id and (
            m.trust_id == policy.trust_id
            or (m.school_id is not None and m.school.trust_id == policy.trust_id)
        ):
            return True
    return False


held = st.tuples(
    st.integers(0, 5),  # where: one of the four schools, or one of the two trusts
    st.sampled_from([Role.STAFF, Role.HEAD, Role.GOVERNOR, Role.DSL]),
    st.sampled_from([-400, -1, 0, 1]),  # starts, in days from today
    st.sampled_from([None, -1, 0, 1, 400]),  # ends (never before it starts)
).filter(lambda role: role[3] is None or role[3] >= role[2])


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(roles=st.lists(held, max_size=3, unique_by=lambda role: role[:3]))
def test_a_policy_is_read_by_exactly_those_the_rule_lets_read_it(world, roles):
    schools, trusts, policies, versions = world
    with transaction.atomic():  # each example's person and roles, rolled back after it
        check(schools, trusts, policies, versions, roles)
        transaction.set_rollback(True)


def check(schools, trusts, policies, versions, roles) -> None:
    user = UserFactory()
    today = timezone.localdate()  # the school's day, as the rule counts it (not the machine's)
    places = [{"school": s} for s in schools] + [{"trust": t, "school": None} for t in trusts]
    memberships = [
        Membership.objects.create(
            user=user,
            role=role,
            starts_on=today + starts * DAY,
            ends_on=None if ends is None else today + ends * DAY,
            **places[where],
        )
        for where, role, starts, ends in roles
    ]
    readable = set(readable_policies(user).values_list("pk", flat=True))
    expected = {p.pk for p in policies if may_read(memberships, p, today)}
    assert readable == expected
    for policy in policies:
        version = versions[policy.pk]
        if policy.pk in expected:
            assert version_for_user(user, version.pk) == version
        else:
            with pytest.raises(Refused):
                version_for_user(user, version.pk)
