"""A deterministic trust-scale dataset for measuring the portal: `python manage.py seed_scale`.

50 schools (five trusts of eight, and ten schools on their own), 100 people a school (5,000 in
all) in realistic roles, every school's staff policy and every trust's policy with four published
versions of 60 clauses (the real text of St Elisabeth's policy, revised a little each version),
sign-offs by 90% of the people each version applies to, 400 incidents a school (20,000) with
about five chronology entries each, their routing decisions and notifications, declarations and
approval requests.

Everything is written with bulk inserts, a few thousand rows a statement, and respects the
database's own rules: a version's clauses are inserted while it is still a draft, then it is
published (and the one before superseded) by an UPDATE, as `version_publish` does; sign-offs,
routing decisions and chronology entries are only ever inserted.

The random choices come from one fixed seed, so two runs make the same rows; dates are counted
back from the day it runs. It refuses to run on a database that already has schools in it.
The steps, in the order they draw from the one random source: `people.py` (schools, people),
`policies.py` (policies, versions, sign-offs), `incidents.py`, `requests.py`.
"""

import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from people.models import School, User
from seeding.scale.base import (
    SCALE_PASSWORD,
    SEED,
    SMALL,
    TRUST_SCALE,
    VERSIONS,
    AlreadySeeded,
    Size,
    World,
)
from seeding.scale.incidents import incidents_write
from seeding.scale.people import people_write, schools_write
from seeding.scale.policies import policies_write, signoffs_write
from seeding.scale.requests import requests_write

__all__ = ["SCALE_PASSWORD", "SMALL", "TRUST_SCALE", "AlreadySeeded", "Size", "seed_scale"]


@transaction.atomic
def seed_scale(size: Size = TRUST_SCALE, *, log=lambda message: None) -> dict[str, int]:
    """Write the dataset into an empty (migrated) database; returns counts of what it wrote."""
    if School.objects.exists() or User.objects.exists():
        raise AlreadySeeded("The database already has people or schools: seed an empty one.")
    world = World(
        size=size,
        rng=random.Random(SEED),  # noqa: S311 - reproducible data, not secrets
        now=timezone.now(),
        today=timezone.localdate(),
        log=log,
    )
    schools_write(world)
    people = people_write(world, password=make_password(SCALE_PASSWORD))
    published = policies_write(world)
    signoffs = signoffs_write(world, published)
    counts = incidents_write(world)
    counts.update(requests_write(world))
    counts.update(
        trusts=len(world.trusts),
        schools=len(world.schools),
        **people,
        policies=len(published.policies),
        versions=len(published.policies) * VERSIONS,
        clauses=published.clauses,
        signoffs=signoffs,
    )
    return counts
