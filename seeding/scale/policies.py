"""Scale seeding's policy steps: the policies, their published versions, and the sign-offs."""

import datetime
from dataclasses import dataclass, field

from acknowledgements.models import SignOff
from acknowledgements.services.signoff import monitoring_notice, signoff_statement
from people.models import Role, User
from policies.importer import parse_policy
from policies.models import Clause, Policy, PolicyVersion, VersionStatus, content_sha256
from seeding.scale.base import (
    BATCH,
    CLAUSES_PER_VERSION,
    SIGNED_SHARE,
    SOURCE,
    VERSIONS,
    World,
    bulk,
)


@dataclass
class Published:
    """What the policy steps hand on to the sign-offs."""

    policies: list[Policy]
    audience: dict[int, list[User]]  # policy id → the people it applies to
    versions_by_number: dict[int, list[PolicyVersion]] = field(default_factory=dict)
    changed: dict[int, list[str]] = field(default_factory=dict)  # number → keys revised
    clauses: int = 0


def policies_write(world: World) -> Published:
    """Each school's own staff policy, and each trust's policy for all its schools, with every
    version published in turn."""
    policies = bulk(
        Policy,
        [
            Policy(title="Staff Social Media and Conduct Policy", school=school)
            for school in world.schools
        ]
        + [
            Policy(
                title="Acceptable Use of Technology Policy",
                trust=trust,
                owner=world.trust_officers[trust.pk][Role.TRUST_HR],
            )
            for trust in world.trusts
        ],
    )
    audience: dict[int, list[User]] = {}
    for policy in policies:
        if policy.school_id:
            audience[policy.pk] = next(
                sp.users for sp in world.people if sp.school.pk == policy.school_id
            )
        else:
            audience[policy.pk] = [
                u for sp in world.people if sp.school.trust_id == policy.trust_id for u in sp.users
            ]
    publisher = {
        policy.pk: (
            next(sp.by_role[Role.HEAD] for sp in world.people if sp.school.pk == policy.school_id)
            if policy.school_id
            else policy.owner
        )
        for policy in policies
    }
    published = Published(policies, audience)
    base = parse_policy(SOURCE.read_text()).clauses[:CLAUSES_PER_VERSION]
    previous: list[PolicyVersion] = []
    for number in range(1, VERSIONS + 1):
        versions = _version_write(world, published, base, number, publisher)
        if previous:
            PolicyVersion.objects.filter(pk__in=[v.pk for v in previous]).update(
                status=VersionStatus.SUPERSEDED
            )
        _version_publish(world, published, versions, number, publisher)
        published.versions_by_number[number] = versions
        previous = versions
    world.log(
        f"{len(policies)} policies, {len(policies) * VERSIONS} versions, "
        f"{published.clauses} clauses"
    )
    return published


def _version_write(world: World, published: Published, base, number: int, publisher) -> list:
    """Version `number` of every policy, as drafts with their clauses (the database takes
    clauses only while a version is a draft). Each version revises a few clauses of the one
    before, so "what changed" has content."""
    revised = [c.key for i, c in enumerate(base) if number > 1 and i % 9 == number]
    published.changed[number] = revised
    texts = [
        c.text + (f" (Revised in version {number}.)" if c.key in revised else "") for c in base
    ]
    versions = bulk(
        PolicyVersion,
        [
            PolicyVersion(policy=policy, number=number, created_by=publisher[policy.pk])
            for policy in published.policies
        ],
    )
    clauses = []
    for version in versions:
        version._clauses = [
            Clause(version=version, key=c.key, position=i + 1, section=c.section, text=text)
            for i, (c, text) in enumerate(zip(base, texts, strict=True))
        ]
        clauses.extend(version._clauses)
    bulk(Clause, clauses)
    published.clauses += len(clauses)
    return versions


def _version_publish(world: World, published: Published, versions, number: int, publisher):
    """Publish the drafts by an UPDATE, as `version_publish` does; versions a year apart, and
    one policy in ten past its review date."""
    revised = published.changed[number]
    for index, version in enumerate(versions):
        ago = 365 * (VERSIONS - number) + (400 if index % 10 == 3 else 60)
        approved_on = world.today - datetime.timedelta(days=ago)
        version.status = VersionStatus.PUBLISHED
        version.published_by = publisher[version.policy_id]
        version.published_at = world.now - datetime.timedelta(days=ago)
        version.approved_by = "The full governing body"
        version.approved_on = approved_on
        version.review_due = approved_on + datetime.timedelta(days=365)
        version.summary_of_changes = f"Clauses {', '.join(revised)} revised." if revised else ""
        version.content_sha256 = content_sha256(version._clauses)
    PolicyVersion.objects.bulk_update(
        versions,
        [
            "status",
            "published_by",
            "published_at",
            "approved_by",
            "approved_on",
            "review_due",
            "summary_of_changes",
            "content_sha256",
        ],
        batch_size=BATCH,
    )
    for version, policy in zip(versions, published.policies, strict=True):
        version.policy = policy
        version._statement = signoff_statement(version, monitoring_notice(version._clauses))


def signoffs_write(world: World, published: Published) -> int:
    """90% of the people each version applies to, some days after it was published."""
    rng = world.rng
    signed: set[tuple[int, int]] = set()  # (user, policy) signed some earlier version
    signoffs = []
    for number in range(1, VERSIONS + 1):
        for version in published.versions_by_number[number]:
            for user in published.audience[version.policy_id]:
                if rng.random() >= SIGNED_SHARE:
                    continue
                resign = (user.pk, version.policy_id) in signed
                signed.add((user.pk, version.policy_id))
                signoffs.append(
                    SignOff(
                        user=user,
                        version=version,
                        signed_at=version.published_at
                        + datetime.timedelta(hours=rng.randrange(1, 24 * 28)),
                        text_sha256=version.content_sha256,
                        statement=version._statement,
                        changed_clause_keys=published.changed[number] if resign else [],
                        ip_address=f"192.0.2.{rng.randrange(1, 255)}",
                        user_agent="Mozilla/5.0 (seed_scale)",
                    )
                )
    bulk(SignOff, signoffs)
    world.log(f"{len(signoffs)} sign-offs")
    return len(signoffs)
