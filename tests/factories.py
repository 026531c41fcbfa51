import datetime

import factory

from people.models import Membership, Role, School, StaffCategory, Trust, User
from policies.models import PolicyVersion
from policies.services import policy_import, version_publish
from seeding.demo.policies import SOURCES

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    full_name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"person{n}@school.example")
    password = factory.django.Password(PASSWORD)


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust

    name = factory.Sequence(lambda n: f"Trust {n}")
    slug = factory.Sequence(lambda n: f"trust-{n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n}")
    slug = factory.Sequence(lambda n: f"school-{n}")
    head_title = "Head Teacher"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.STAFF
    staff_category = StaffCategory.TEACHING
    starts_on = datetime.date(2025, 9, 1)


GOVERNING_ROLES = (Role.GOVERNOR, Role.CHAIR, Role.VICE_CHAIR, Role.CLERK)


def person(school: School, *roles: str, **fields) -> User:
    """A person holding the given roles (staff if none) at one school."""
    user = UserFactory(**fields)
    for role in roles or (Role.STAFF,):
        category = StaffCategory.GOVERNOR if role in GOVERNING_ROLES else "teaching"
        MembershipFactory(user=user, school=school, role=role, staff_category=category)
    return user


def publish(version: PolicyVersion, **changes) -> PolicyVersion:
    """Publish a draft with typical approval details (the Head's own publish is a service)."""
    details = {
        "by": None,
        "approved_by": "Full governing body",
        "approved_on": datetime.date(2026, 9, 1),
        "review_due": datetime.date(2027, 9, 1),
        "summary_of_changes": "",
        **changes,
    }
    return version_publish(version=version, **details)


def import_source(filename: str, **owner) -> PolicyVersion:
    """One of the schools' real policies (policies/sources/), imported as a draft."""
    return policy_import(text=(SOURCES / filename).read_text(encoding="utf-8"), **owner)
