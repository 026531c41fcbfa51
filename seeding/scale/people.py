"""Scale seeding's first steps: trusts and schools, then people and their memberships."""

import datetime

from people.models import Membership, Role, School, StaffCategory, Trust, User
from seeding.scale.base import (
    FIRST_NAMES,
    LAST_NAMES,
    LEADERS,
    STAFF_MIX,
    SchoolPeople,
    World,
    bulk,
    pick,
)


def schools_write(world: World) -> None:
    size = world.size
    world.trusts = bulk(
        Trust,
        [
            Trust(name=f"Scale Trust {t + 1:02d}", slug=f"trust-{t + 1:02d}")
            for t in range(size.trusts)
        ],
    )
    schools = []
    for n in range(size.schools):
        trust = (
            world.trusts[n // size.schools_per_trust]
            if n < size.trusts * size.schools_per_trust
            else None
        )
        schools.append(
            School(
                name=f"Scale School {n + 1:02d}",
                slug=f"school-{n + 1:02d}",
                trust=trust,
                head_title="Head Teacher" if n % 2 else "Head of School",
            )
        )
    world.schools = bulk(School, schools)
    world.log(f"{len(world.trusts)} trusts, {len(world.schools)} schools")


def people_write(world: World, *, password: str) -> dict[str, int]:
    """Every school's people (its leaders first, then staff), their memberships, and each
    trust's two officers."""
    users: list[User] = []
    plans: list[tuple[int, list[str], str]] = []  # (school index, roles, staff category)
    for s, school in enumerate(world.schools):
        for p in range(world.size.people_per_school):
            user, roles, category = _person(world, s, p, school, password)
            users.append(user)
            plans.append((s, roles, category))
    users = bulk(User, users)
    world.people = [SchoolPeople(school) for school in world.schools]
    memberships = []
    for user, (s, roles, category) in zip(users, plans, strict=True):
        world.people[s].users.append(user)
        starts = world.today - datetime.timedelta(days=world.rng.randrange(30, 3000))
        for role in roles:
            world.people[s].by_role.setdefault(role, user)
            memberships.append(
                Membership(
                    user=user,
                    school=world.schools[s],
                    role=role,
                    staff_category=category,
                    starts_on=starts,
                )
            )
    memberships += _trust_officers(world)
    bulk(Membership, memberships)
    world.log(f"{len(users)} people, {len(memberships)} memberships")
    return {"people": len(users), "memberships": len(memberships)}


def _person(world: World, s: int, p: int, school: School, password: str):
    """The p-th person of the s-th school: a named leader, or a member of staff at random."""
    if p < len(LEADERS):
        mailbox, roles, category = LEADERS[p]
        first = FIRST_NAMES[(s + p) % len(FIRST_NAMES)]
        last = LAST_NAMES[(s * 3 + p) % len(LAST_NAMES)]
    else:
        first = FIRST_NAMES[world.rng.randrange(len(FIRST_NAMES))]
        last = LAST_NAMES[world.rng.randrange(len(LAST_NAMES))]
        mailbox = f"{first}.{last}.{p}".lower()
        roles, category = [Role.STAFF], pick(world.rng, STAFF_MIX)
    user = User(
        email=f"{mailbox}@{school.slug}.scale.example",
        full_name=f"{first} {last}",
        password=password,
        date_joined=world.now,
    )
    return user, roles, category


def _trust_officers(world: World) -> list[Membership]:
    """Each trust's Head of HR and Data Protection Lead: central staff of its first school."""
    memberships = []
    for t, trust in enumerate(world.trusts):
        first_school = world.people[t * world.size.schools_per_trust]
        officers = {Role.TRUST_HR: first_school.users[-1], Role.DPL: first_school.users[-2]}
        world.trust_officers[trust.pk] = officers
        for role, user in officers.items():
            memberships.append(
                Membership(
                    user=user,
                    trust=trust,
                    role=role,
                    staff_category=StaffCategory.NON_TEACHING,
                    employed_centrally=True,
                    starts_on=world.today - datetime.timedelta(days=1000),
                )
            )
    return memberships
