import datetime

import pytest
from django.db import IntegrityError

from people.models import Membership, Role
from people.selectors import holders_of, schools_for
from tests.factories import MembershipFactory, UserFactory, person


def test_a_membership_is_current_between_its_start_and_end_dates(bob):
    membership = bob.memberships.get()
    membership.ends_on = datetime.date(2026, 7, 31)
    membership.save()
    current = Membership.objects.filter(user=bob).current
    assert current(on=datetime.date(2026, 7, 31)).exists()
    assert not current(on=datetime.date(2026, 8, 1)).exists()
    assert not current(on=datetime.date(2025, 8, 31)).exists()


def test_a_membership_belongs_to_a_school_or_a_trust_never_both(st_elisabeths, villiers):
    with pytest.raises(IntegrityError):
        MembershipFactory(school=st_elisabeths, trust=villiers.trust)


def test_a_membership_cannot_end_before_it_starts(st_elisabeths):
    with pytest.raises(IntegrityError):
        MembershipFactory(
            school=st_elisabeths,
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2025, 1, 1),
        )


def test_one_person_can_hold_several_roles_at_several_schools(st_elisabeths, villiers):
    dee = person(st_elisabeths, Role.STAFF, Role.HEAD, Role.DSL)
    MembershipFactory(user=dee, school=villiers, role=Role.GOVERNOR)
    assert {s.slug for s in schools_for(dee)} == {"st-elisabeths", "villiers"}
    assert holders_of(Role.DSL, st_elisabeths) == [dee]
    assert holders_of(Role.DSL, villiers) == []


def test_a_trust_role_covers_every_school_of_the_trust_and_no_other(st_elisabeths, villiers):
    hannah = UserFactory()
    MembershipFactory(user=hannah, school=None, trust=villiers.trust, role=Role.TRUST_HR)
    assert holders_of(Role.TRUST_HR, villiers) == [hannah]
    assert holders_of(Role.TRUST_HR, st_elisabeths) == []
    assert [s.slug for s in schools_for(hannah)] == ["villiers"]


def test_the_head_is_called_what_the_school_calls_them(alice, villiers):
    head = alice.memberships.get(role=Role.HEAD)
    assert head.role_title == "Head of School"
    other = person(villiers, Role.HEAD).memberships.get(role=Role.HEAD)
    assert other.role_title == "Head Teacher"


def test_e_mail_addresses_are_stored_in_lower_case(db):
    from people.models import User

    user = User.objects.create_user("Mixed.Case@School.Example", "a-long-password-1")
    assert user.email == "mixed.case@school.example"
