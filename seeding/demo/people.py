"""The demo: SHINE Academies Trust with Villiers Primary School, and St Elisabeth's on its own.

Running it again changes nothing: people are found by e-mail, memberships by person, place and
role, and a password is only set on a person it creates.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from people.models import Membership, Role, School, StaffCategory, Trust, User

DEMO_PASSWORD = "conduct-portal-demo"  # noqa: S105 - documented in the README, demo only
DEMO_START = datetime.date(2025, 9, 1)

# Twenty staff per school across the categories of DESIGN.md ("every adult working in school").
STAFF_CATEGORIES = (
    [StaffCategory.TEACHING] * 8
    + [StaffCategory.NON_TEACHING] * 5
    + [
        StaffCategory.TRAINEE,
        StaffCategory.APPRENTICE,
        StaffCategory.SELF_EMPLOYED,
        StaffCategory.AGENCY,
        StaffCategory.CONSULTANT,
        StaffCategory.VOLUNTEER,
        StaffCategory.VOLUNTEER,
    ]
)
FIRST_NAMES = [
    "Amira", "Ben", "Chloe", "Daniel", "Ella", "Femi", "Grace", "Harry", "Isla", "Jamal",
    "Katie", "Liam", "Maya", "Noah", "Olivia", "Priya", "Quentin", "Ruby", "Sam", "Tariq",
]  # fmt: skip
LAST_NAMES = [
    "Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "Morgan", "Nowak", "Owen", "Patel", "Quinn", "Roberts", "Smith",
    "Taylor",
]  # fmt: skip


@dataclass(frozen=True)
class Person:
    email: str
    full_name: str
    roles: tuple[str, ...]
    category: str = StaffCategory.TEACHING
    centrally: bool = False


# Who a reporter is told to contact when nobody in the portal can receive a report: a made-up
# service, on a number from Ofcom's range for drama (never a real line).
DEMO_LADO = {"lado_contact": "the Demo County LADO service", "lado_phone": "01632 960 000"}

# The people in the named roles, in the order of LEADER_ROLES, per school.
LEADER_ROLES = [
    ("head", (Role.STAFF, Role.HEAD), StaffCategory.TEACHING),
    ("deputy.head", (Role.STAFF, Role.DEPUTY_HEAD), StaffCategory.TEACHING),
    ("dsl", (Role.STAFF, Role.DSL), StaffCategory.TEACHING),
    ("deputy.dsl", (Role.STAFF, Role.DEPUTY_DSL), StaffCategory.NON_TEACHING),
    ("teacher", (Role.STAFF,), StaffCategory.TEACHING),
    ("chair", (Role.CHAIR,), StaffCategory.GOVERNOR),
    ("governor", (Role.GOVERNOR,), StaffCategory.GOVERNOR),
    ("governor2", (Role.GOVERNOR,), StaffCategory.GOVERNOR),
    ("vice.chair", (Role.GOVERNOR, Role.VICE_CHAIR), StaffCategory.GOVERNOR),
    ("clerk", (Role.CLERK,), StaffCategory.NON_TEACHING),
]
LEADER_NAMES = {
    "stelisabeths.example": [
        "Helen Hart", "David Dunn", "Sarah Lowe", "Dev Lal", "Tom Teague",
        "Catherine Fairley", "Gareth Owusu", "Gillian Marsh", "Olivia Grant", "Colin Brooks",
    ],
    "villiers.example": [
        "Victoria Reid", "Marcus Bell", "Nadia Shah", "Owen Pryor", "Lucy Webb",
        "Robert Ashby", "Fatima Noor", "Peter Vance", "Hugh Lennox", "Priya Desai",
    ],
}  # fmt: skip


def _school_people(domain: str, surname_offset: int) -> list[Person]:
    leaders = [
        Person(f"{mailbox}@{domain}", name, roles, category)
        for (mailbox, roles, category), name in zip(LEADER_ROLES, LEADER_NAMES[domain], strict=True)
    ]
    staff = []
    for index, category in enumerate(STAFF_CATEGORIES):
        first = FIRST_NAMES[index]
        last = LAST_NAMES[(index + surname_offset) % len(LAST_NAMES)]
        staff.append(
            Person(f"{first}.{last}@{domain}".lower(), f"{first} {last}", (Role.STAFF,), category)
        )
    return leaders + staff


def _ensure_person(person: Person, password_hash: str) -> User:
    user, _ = User.objects.get_or_create(
        email=person.email, defaults={"full_name": person.full_name, "password": password_hash}
    )
    return user


def _ensure_membership(user: User, person: Person, role: str, **place) -> None:
    Membership.objects.get_or_create(
        user=user,
        role=role,
        **place,
        defaults={
            "staff_category": person.category,
            "employed_centrally": person.centrally,
            "starts_on": DEMO_START,
        },
    )


@transaction.atomic
def seed_demo() -> dict[str, int]:
    """Create (or find) the demo trust, schools and people; returns counts of what exists."""
    # Hashing is slow by design: hash the demo password once, not once a person.
    password_hash = make_password(DEMO_PASSWORD)
    shine, _ = Trust.objects.get_or_create(slug="shine", defaults={"name": "SHINE Academies Trust"})
    villiers, _ = School.objects.get_or_create(
        slug="villiers",
        defaults={
            "name": "Villiers Primary School",
            "trust": shine,
            "head_title": "Head Teacher",
            **DEMO_LADO,
        },
    )
    st_elisabeths, _ = School.objects.get_or_create(
        slug="st-elisabeths",
        defaults={
            "name": "St Elisabeth's CE Primary School",
            "head_title": "Head of School",
            **DEMO_LADO,
        },
    )

    for school, domain, offset in [
        (st_elisabeths, "stelisabeths.example", 0),
        (villiers, "villiers.example", 7),
    ]:
        people = _school_people(domain, offset)
        # St Elisabeth's keeps data protection at the school; SHINE has one lead for the trust.
        if school.trust is None:
            people.append(
                Person(
                    f"dpl@{domain}",
                    "Diana Pryce",
                    (Role.STAFF, Role.DPL),
                    StaffCategory.NON_TEACHING,
                )
            )
        for person in people:
            user = _ensure_person(person, password_hash)
            for role in person.roles:
                _ensure_membership(user, person, role, school=school)

    central = [
        Person(
            "hr@shine.example", "Hannah Rees", (Role.TRUST_HR,), StaffCategory.NON_TEACHING, True
        ),
        Person("dpl@shine.example", "Daniel Price", (Role.DPL,), StaffCategory.NON_TEACHING, True),
    ]
    for person in central:
        user = _ensure_person(person, password_hash)
        for role in person.roles:
            _ensure_membership(user, person, role, trust=shine)
    # A centrally employed member of staff who works at Villiers (the trust's IT technician).
    technician = Person(
        "it@shine.example", "Ian Tran", (Role.STAFF,), StaffCategory.NON_TEACHING, True
    )
    _ensure_membership(
        _ensure_person(technician, password_hash), technician, Role.STAFF, school=villiers
    )

    return {
        "trusts": Trust.objects.count(),
        "schools": School.objects.count(),
        "people": User.objects.count(),
        "memberships": Membership.objects.count(),
    }
