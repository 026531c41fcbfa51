"""What every step of the trust-scale seeding shares: its sizes, names and mixes, and the world
the steps build up (schools, people, trust officers) and pass on."""

import dataclasses
import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from incidents.models import Category
from people.models import Role, School, StaffCategory, Trust, User

SCALE_PASSWORD = "conduct-portal-scale"  # noqa: S105 - documented in the README, bench data only
SEED = 20260101
BATCH = 2000
# St Elisabeth's real policy, from the sources policies keeps (policies/sources/).
SOURCE = (
    Path(__file__).resolve().parents[2]
    / "policies"
    / "sources"
    / "st-elisabeths-staff-social-media.md"
)
CLAUSES_PER_VERSION = 60
VERSIONS = 4
SIGNED_SHARE = 0.9

FIRST_NAMES = [
    "Amira", "Ben", "Chloe", "Daniel", "Ella", "Femi", "Grace", "Harry", "Isla", "Jamal",
    "Katie", "Liam", "Maya", "Noah", "Olivia", "Priya", "Quentin", "Ruby", "Sam", "Tariq",
    "Una", "Victor", "Wendy", "Xavier", "Yasmin", "Zac", "Aisha", "Bilal", "Cara", "Dylan",
]  # fmt: skip
LAST_NAMES = [
    "Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "Morgan", "Nowak", "Owen", "Patel", "Quinn", "Roberts", "Smith",
    "Taylor", "Usman", "Vaughan", "Walsh", "Young", "Zhang", "Begum", "Campbell", "Doyle",
]  # fmt: skip
# The named roles of each school, in this order: person 0 is the head, and so on.
LEADERS = [
    ("head", [Role.STAFF, Role.HEAD], StaffCategory.TEACHING),
    ("deputy.head", [Role.STAFF, Role.DEPUTY_HEAD], StaffCategory.TEACHING),
    ("dsl", [Role.STAFF, Role.DSL], StaffCategory.TEACHING),
    ("deputy.dsl", [Role.STAFF, Role.DEPUTY_DSL], StaffCategory.NON_TEACHING),
    ("chair", [Role.CHAIR], StaffCategory.GOVERNOR),
    ("governor", [Role.GOVERNOR], StaffCategory.GOVERNOR),
    ("governor2", [Role.GOVERNOR], StaffCategory.GOVERNOR),
    ("governor3", [Role.GOVERNOR], StaffCategory.GOVERNOR),
]
# Everyone else: staff in roughly the proportions of a primary school's workforce.
STAFF_MIX = [
    (StaffCategory.TEACHING, 40),
    (StaffCategory.NON_TEACHING, 35),
    (StaffCategory.TRAINEE, 5),
    (StaffCategory.APPRENTICE, 3),
    (StaffCategory.SELF_EMPLOYED, 3),
    (StaffCategory.AGENCY, 5),
    (StaffCategory.CONSULTANT, 3),
    (StaffCategory.VOLUNTEER, 6),
]
CATEGORY_MIX = [
    (Category.BREACH, 20),
    (Category.CYBERBULLYING, 15),
    (Category.PREVENT, 5),
    (Category.PUPIL_ONLINE_SAFETY, 25),
    (Category.UNSUITABLE_MATERIAL, 10),
    (Category.INDECENT_IMAGES, 2),
    (Category.SOCIAL_MEDIA_MISUSE, 18),
    (Category.PUPIL_CONTACT, 5),
]
PLATFORMS = ["Facebook", "Instagram", "TikTok", "Snapchat", "WhatsApp", "X (Twitter)", ""]


@dataclass(frozen=True)
class Size:
    trusts: int = 5
    schools_per_trust: int = 8
    standalone_schools: int = 10
    people_per_school: int = 100
    incidents_per_school: int = 400
    declarations_per_school: int = 5
    approvals_per_school: int = 10

    @property
    def schools(self) -> int:
        return self.trusts * self.schools_per_trust + self.standalone_schools

    def times(self, factor: int) -> "Size":
        """`factor` times the trusts and the schools on their own, each school as it is: the
        people, reports, sign-offs and everything else grow in proportion."""
        return dataclasses.replace(
            self, trusts=self.trusts * factor, standalone_schools=self.standalone_schools * factor
        )


# The full dataset, and one ten times smaller in every dimension that grows (for tests).
TRUST_SCALE = Size()
SMALL = Size(
    trusts=1,
    schools_per_trust=2,
    standalone_schools=1,
    people_per_school=12,
    incidents_per_school=40,
    declarations_per_school=1,
    approvals_per_school=1,
)


@dataclass
class SchoolPeople:
    school: School
    users: list[User] = field(default_factory=list)
    by_role: dict[str, User] = field(default_factory=dict)


class AlreadySeeded(Exception):
    pass


def bulk(model, objs: list) -> list:
    return model.objects.bulk_create(objs, batch_size=BATCH)


def pick(rng: random.Random, mix: list[tuple]) -> object:
    return rng.choices([v for v, _ in mix], weights=[w for _, w in mix])[0]


@dataclass
class World:
    """What the steps have written so far, and the one random source they draw from in turn
    (their order is part of the dataset: the same seed, the same steps, the same rows)."""

    size: Size
    rng: random.Random
    now: datetime.datetime
    today: datetime.date
    log: Callable[[str], None]
    trusts: list[Trust] = field(default_factory=list)
    schools: list[School] = field(default_factory=list)
    people: list[SchoolPeople] = field(default_factory=list)
    # Each trust's Head of HR and Data Protection Lead, by trust id.
    trust_officers: dict[int, dict[str, User]] = field(default_factory=dict)
