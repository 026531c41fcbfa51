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
"""

import datetime
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from acknowledgements.models import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Declaration,
    DeclarationStatus,
    SignOff,
)
from acknowledgements.services import monitoring_notice, signoff_statement
from incidents.models import (
    Agency,
    CaseEntry,
    Category,
    EntryKind,
    Incident,
    RoutingDecision,
    Status,
    SubjectKind,
)
from incidents.routing import RULES
from notifications.models import Channel, Kind, Notification
from notifications.models import Status as NotificationStatus
from people.models import Membership, Role, School, StaffCategory, Trust, User
from policies.importer import parse_policy
from policies.models import Clause, Policy, PolicyVersion, VersionStatus, content_sha256

SCALE_PASSWORD = "conduct-portal-scale"  # noqa: S105 - documented in the README, bench data only
SEED = 20260101
BATCH = 2000
SOURCE = (
    Path(__file__).resolve().parent.parent / "policies/sources/st-elisabeths-staff-social-media.md"
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


def _bulk(model, objs: list) -> list:
    return model.objects.bulk_create(objs, batch_size=BATCH)


def _pick(rng: random.Random, mix: list[tuple]) -> object:
    return rng.choices([v for v, _ in mix], weights=[w for _, w in mix])[0]


@transaction.atomic
def seed_scale(size: Size = TRUST_SCALE, *, log=lambda message: None) -> dict[str, int]:
    """Write the dataset into an empty (migrated) database; returns counts of what it wrote."""
    if School.objects.exists() or User.objects.exists():
        raise AlreadySeeded("The database already has people or schools: seed an empty one.")
    rng = random.Random(SEED)  # noqa: S311 - reproducible data, not secrets
    now = timezone.now()
    today = timezone.localdate()
    password = make_password(SCALE_PASSWORD)

    trusts = _bulk(
        Trust,
        [
            Trust(name=f"Scale Trust {t + 1:02d}", slug=f"trust-{t + 1:02d}")
            for t in range(size.trusts)
        ],
    )
    schools = []
    for n in range(size.schools):
        trust = (
            trusts[n // size.schools_per_trust]
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
    schools = _bulk(School, schools)
    log(f"{len(trusts)} trusts, {len(schools)} schools")

    # People and memberships.
    users: list[User] = []
    plans: list[tuple[int, int, list[str], str]] = []  # (school index, person index, roles, cat)
    for s, school in enumerate(schools):
        domain = f"{school.slug}.scale.example"
        for p in range(size.people_per_school):
            if p < len(LEADERS):
                mailbox, roles, category = LEADERS[p]
                first = FIRST_NAMES[(s + p) % len(FIRST_NAMES)]
                last = LAST_NAMES[(s * 3 + p) % len(LAST_NAMES)]
            else:
                first = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
                last = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
                mailbox = f"{first}.{last}.{p}".lower()
                roles, category = [Role.STAFF], _pick(rng, STAFF_MIX)
            users.append(
                User(
                    email=f"{mailbox}@{domain}",
                    full_name=f"{first} {last}",
                    password=password,
                    date_joined=now,
                )
            )
            plans.append((s, p, roles, category))
    users = _bulk(User, users)
    people = [SchoolPeople(school) for school in schools]
    memberships = []
    for user, (s, _p, roles, category) in zip(users, plans, strict=True):
        people[s].users.append(user)
        starts = today - datetime.timedelta(days=rng.randrange(30, 3000))
        for role in roles:
            people[s].by_role.setdefault(role, user)
            memberships.append(
                Membership(
                    user=user,
                    school=schools[s],
                    role=role,
                    staff_category=category,
                    starts_on=starts,
                )
            )
    # Each trust's Head of HR and Data Protection Lead: central staff of its first school.
    trust_officers: dict[int, dict[str, User]] = {}
    for t, trust in enumerate(trusts):
        first_school = people[t * size.schools_per_trust]
        officers = {Role.TRUST_HR: first_school.users[-1], Role.DPL: first_school.users[-2]}
        trust_officers[trust.pk] = officers
        for role, user in officers.items():
            memberships.append(
                Membership(
                    user=user,
                    trust=trust,
                    role=role,
                    staff_category=StaffCategory.NON_TEACHING,
                    employed_centrally=True,
                    starts_on=today - datetime.timedelta(days=1000),
                )
            )
    _bulk(Membership, memberships)
    log(f"{len(users)} people, {len(memberships)} memberships")

    # Policies: each school's own staff policy, and each trust's policy for all its schools.
    source = parse_policy(SOURCE.read_text())
    base = source.clauses[:CLAUSES_PER_VERSION]
    policies = _bulk(
        Policy,
        [Policy(title="Staff Social Media and Conduct Policy", school=school) for school in schools]
        + [
            Policy(
                title="Acceptable Use of Technology Policy",
                trust=trust,
                owner=trust_officers[trust.pk][Role.TRUST_HR],
            )
            for trust in trusts
        ],
    )
    audience: dict[int, list[User]] = {}
    for policy in policies:
        if policy.school_id:
            audience[policy.pk] = next(
                sp.users for sp in people if sp.school.pk == policy.school_id
            )
        else:
            audience[policy.pk] = [
                u for sp in people if sp.school.trust_id == policy.trust_id for u in sp.users
            ]
    publisher = {
        policy.pk: (
            next(sp.by_role[Role.HEAD] for sp in people if sp.school.pk == policy.school_id)
            if policy.school_id
            else policy.owner
        )
        for policy in policies
    }

    versions_by_number: dict[int, list[PolicyVersion]] = {}
    changed: dict[int, list[str]] = {}  # version number → keys changed since the one before
    clause_count = 0
    previous: list[PolicyVersion] = []
    for number in range(1, VERSIONS + 1):
        # Each version revises a few clauses of the one before, so "what changed" has content.
        revised = [c.key for i, c in enumerate(base) if number > 1 and i % 9 == number]
        changed[number] = revised
        texts = [
            c.text + (f" (Revised in version {number}.)" if c.key in revised else "") for c in base
        ]
        versions = _bulk(
            PolicyVersion,
            [
                PolicyVersion(policy=policy, number=number, created_by=publisher[policy.pk])
                for policy in policies
            ],
        )
        clauses = []
        per_version: dict[int, list[Clause]] = {}
        for version in versions:
            mine = [
                Clause(version=version, key=c.key, position=i + 1, section=c.section, text=text)
                for i, (c, text) in enumerate(zip(base, texts, strict=True))
            ]
            per_version[version.pk] = mine
            clauses.extend(mine)
        _bulk(Clause, clauses)  # while the versions are drafts, as the database requires
        clause_count += len(clauses)
        if previous:
            PolicyVersion.objects.filter(pk__in=[v.pk for v in previous]).update(
                status=VersionStatus.SUPERSEDED
            )
        for index, version in enumerate(versions):
            # Versions a year apart; one policy in ten is past its review date.
            ago = 365 * (VERSIONS - number) + (400 if index % 10 == 3 else 60)
            approved_on = today - datetime.timedelta(days=ago)
            version.status = VersionStatus.PUBLISHED
            version.published_by = publisher[version.policy_id]
            version.published_at = now - datetime.timedelta(days=ago)
            version.approved_by = "The full governing body"
            version.approved_on = approved_on
            version.review_due = approved_on + datetime.timedelta(days=365)
            version.summary_of_changes = f"Clauses {', '.join(revised)} revised." if revised else ""
            version.content_sha256 = content_sha256(per_version[version.pk])
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
        for version, policy in zip(versions, policies, strict=True):
            version.policy = policy
            version._statement = signoff_statement(
                version, monitoring_notice(per_version[version.pk])
            )
        versions_by_number[number] = versions
        previous = versions
    log(f"{len(policies)} policies, {len(policies) * VERSIONS} versions, {clause_count} clauses")

    # Sign-offs: 90% of the people each version applies to, some days after it was published.
    signed: set[tuple[int, int]] = set()  # (user, policy) signed some earlier version
    signoffs = []
    for number in range(1, VERSIONS + 1):
        for version in versions_by_number[number]:
            for user in audience[version.policy_id]:
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
                        changed_clause_keys=changed[number] if resign else [],
                        ip_address=f"192.0.2.{rng.randrange(1, 255)}",
                        user_agent="Mozilla/5.0 (seed_scale)",
                    )
                )
    _bulk(SignOff, signoffs)
    log(f"{len(signoffs)} sign-offs")

    counts = _seed_incidents(size, rng, now, people, trust_officers)
    counts.update(_seed_requests(size, rng, now, today, people))
    counts.update(
        trusts=len(trusts),
        schools=len(schools),
        people=len(users),
        memberships=len(memberships),
        policies=len(policies),
        versions=len(policies) * VERSIONS,
        clauses=clause_count,
        signoffs=len(signoffs),
    )
    return counts


def _recipients(category: str, sp: SchoolPeople, subject: User | None, officers) -> list:
    """Who a report goes to, as incidents/routing.py would send it (simplified: the roles'
    holders at the school, the Chair for a report about the Head, never the subject)."""
    out: list[tuple[User, str]] = []
    for role in RULES[category].roles:
        holder = officers.get(role) if role == Role.TRUST_HR else sp.by_role.get(role)
        if holder is None or role == Role.TRUST_HR:
            role, holder = Role.HEAD, sp.by_role[Role.HEAD]
        if holder == subject:
            role, holder = (
                (Role.CHAIR, sp.by_role[Role.CHAIR])
                if role == Role.HEAD
                else (Role.HEAD, sp.by_role[Role.HEAD])
            )
        if all(holder != u for u, _ in out):
            out.append((holder, role))
    return out


def _seed_incidents(size: Size, rng: random.Random, now, people, trust_officers) -> dict[str, int]:
    incidents, plans = [], []
    for sp in people:
        staff = sp.users[len(LEADERS) :] or sp.users
        officers = trust_officers.get(sp.school.trust_id, {})
        for _ in range(size.incidents_per_school):
            category = _pick(rng, CATEGORY_MIX)
            # Two years of reports, more of them recent; the last fortnight's still open.
            age = datetime.timedelta(
                minutes=int(rng.expovariate(1 / (60 * 24 * 200))) % (60 * 24 * 730)
            )
            created = now - age
            if category in (Category.BREACH, Category.PUPIL_CONTACT) or rng.random() < 0.1:
                kind, subject = SubjectKind.ADULT, rng.choice(sp.users[:4] + staff[:30])
            else:
                kind = rng.choice(
                    [
                        SubjectKind.PUPIL,
                        SubjectKind.PARENT,
                        SubjectKind.OUTSIDER,
                        SubjectKind.UNKNOWN,
                    ]
                )
                subject = None
            reporter = rng.choice(staff)
            if age < datetime.timedelta(days=2):
                status = rng.choice([Status.NEW, Status.NEW, Status.ACKNOWLEDGED])
            elif age < datetime.timedelta(days=30):
                status = rng.choice(
                    [Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.REFERRED, Status.CLOSED]
                )
            else:
                status = Status.CLOSED if rng.random() < 0.95 else Status.REFERRED
            recipients = _recipients(category, sp, subject, officers)
            owner = recipients[0][0] if status != Status.NEW else None
            rule = RULES[category]
            ack = created + datetime.timedelta(minutes=rng.randrange(5, 60 * 48))
            incidents.append(
                Incident(
                    school=sp.school,
                    reporter=reporter,
                    category=category,
                    urgent=rule.urgent,
                    status=status,
                    subject_kind=kind,
                    subject_user=subject,
                    subject_description="" if subject else "A pupil in Year 5",
                    affected_user=rng.choice(staff) if category == Category.CYBERBULLYING else None,
                    happened_on=(created - datetime.timedelta(days=rng.randrange(0, 3))).date(),
                    platform=rng.choice(PLATFORMS),
                    description="Seen on a shared phone at pick-up; screenshots kept. " * 3,
                    created_at=created,
                    owner=owner,
                    acknowledged_at=ack if status != Status.NEW else None,
                    escalated_at=created + datetime.timedelta(hours=1)
                    if rule.urgent and ack - created > datetime.timedelta(hours=1)
                    else None,
                )
            )
            plans.append((recipients, ack))
    incidents = _bulk(Incident, incidents)

    decisions, entries, notifications = [], [], []
    for incident, (recipients, ack) in zip(incidents, plans, strict=True):
        for position, (user, role) in enumerate(recipients):
            decisions.append(
                RoutingDecision(
                    incident=incident,
                    recipient=user,
                    role=role,
                    reason=f"{Role(role).label} receives {incident.get_category_display()}.",
                    position=position,
                    decided_at=incident.created_at,
                )
            )
            for channel in (Channel.EMAIL, Channel.IN_APP):
                done = incident.created_at + datetime.timedelta(seconds=rng.randrange(1, 30))
                notifications.append(
                    Notification(
                        recipient=user,
                        incident=incident,
                        kind=Kind.INCIDENT_REPORTED,
                        channel=channel,
                        urgent=incident.urgent,
                        status=NotificationStatus.SENT,
                        attempts=1,
                        created_at=incident.created_at,
                        queued_at=incident.created_at,
                        sent_at=done,
                        read_at=done
                        if incident.status != Status.NEW and channel == Channel.IN_APP
                        else None,
                    )
                )
        if incident.status == Status.NEW:
            continue
        owner = incident.owner
        at = ack
        chronology = [
            dict(kind=EntryKind.STATUS, status_from=Status.NEW, status_to=Status.ACKNOWLEDGED),
            dict(kind=EntryKind.OWNER, owner=owner),
            dict(kind=EntryKind.NOTE, text="Spoke to the reporter; screenshots reviewed."),
        ]
        if incident.status in (Status.INVESTIGATING, Status.REFERRED, Status.CLOSED):
            chronology.append(
                dict(
                    kind=EntryKind.STATUS,
                    status_from=Status.ACKNOWLEDGED,
                    status_to=Status.INVESTIGATING,
                )
            )
        if incident.status == Status.REFERRED or (
            incident.status == Status.CLOSED and incident.urgent
        ):
            chronology.append(
                dict(
                    kind=EntryKind.REFERRAL,
                    agency=Agency.LADO if incident.subject_user_id else Agency.SOCIAL_CARE,
                    referred_on=at.date(),
                    reference=f"REF-{incident.pk}",
                )
            )
        if incident.status == Status.CLOSED:
            chronology.append(dict(kind=EntryKind.OUTCOME, text="Advice given; no further action."))
            chronology.append(
                dict(
                    kind=EntryKind.STATUS, status_from=Status.INVESTIGATING, status_to=Status.CLOSED
                )
            )
        for fields in chronology:
            entries.append(CaseEntry(incident=incident, author=owner, at=at, **fields))
            at += datetime.timedelta(hours=rng.randrange(1, 72))
    _bulk(RoutingDecision, decisions)
    _bulk(CaseEntry, entries)
    _bulk(Notification, notifications)
    return {
        "incidents": len(incidents),
        "routing decisions": len(decisions),
        "case entries": len(entries),
        "notifications": len(notifications),
    }


def _seed_requests(size: Size, rng: random.Random, now, today, people) -> dict[str, int]:
    declarations, approvals = [], []
    for sp in people:
        staff = sp.users[len(LEADERS) :] or sp.users
        head = sp.by_role[Role.HEAD]
        for d in range(size.declarations_per_school):
            status = [DeclarationStatus.ACKNOWLEDGED, DeclarationStatus.PENDING][d % 2]
            done = status == DeclarationStatus.ACKNOWLEDGED
            declarations.append(
                Declaration(
                    user=rng.choice(staff),
                    school=sp.school,
                    pupil_name="A pupil",
                    class_or_year=f"Year {rng.randrange(1, 7)}",
                    relationship=rng.choice(["niece", "son", "grandson", "neighbour's child"]),
                    social_media_contact=rng.random() < 0.5,
                    status=status,
                    discussed_on=today - datetime.timedelta(days=20) if done else None,
                    agreed_protocol="No contact through social media." if done else "",
                    decided_by=head if done else None,
                    acknowledged_at=now - datetime.timedelta(days=20) if done else None,
                )
            )
        for a in range(size.approvals_per_school):
            status = [ApprovalStatus.APPROVED, ApprovalStatus.PENDING, ApprovalStatus.DECLINED][
                a % 3
            ]
            decided = status != ApprovalStatus.PENDING
            approvals.append(
                ApprovalRequest(
                    user=rng.choice(staff),
                    school=sp.school,
                    kind=rng.choice(list(ApprovalKind)),
                    details="For the class page's summer fair posts.",
                    status=status,
                    decided_by=head if decided else None,
                    decided_at=now - datetime.timedelta(days=10) if decided else None,
                    reason="Not during term time." if status == ApprovalStatus.DECLINED else "",
                    expires_on=today + datetime.timedelta(days=300)
                    if status == ApprovalStatus.APPROVED
                    else None,
                )
            )
    _bulk(Declaration, declarations)
    _bulk(ApprovalRequest, approvals)
    return {"declarations": len(declarations), "approval requests": len(approvals)}
