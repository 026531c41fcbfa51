"""Scale seeding's reports: 400 a school over two years, each with its routing decisions, its
notifications (sent) and, once acknowledged, a chronology."""

import datetime

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
from incidents.rules import RULES
from notifications.models import Channel, Kind, Notification
from notifications.models import Status as NotificationStatus
from people.models import Role, User
from seeding.scale.base import CATEGORY_MIX, LEADERS, PLATFORMS, SchoolPeople, World, bulk, pick


def incidents_write(world: World) -> dict[str, int]:
    """The reports, their routing decisions, notifications and chronology entries."""
    rng = world.rng
    incidents, plans = _incidents_plan(world)

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
        at = ack
        for fields in _chronology(incident, at):
            entries.append(CaseEntry(incident=incident, author=incident.owner, at=at, **fields))
            at += datetime.timedelta(hours=rng.randrange(1, 72))
    bulk(RoutingDecision, decisions)
    bulk(CaseEntry, entries)
    bulk(Notification, notifications)
    return {
        "incidents": len(incidents),
        "routing decisions": len(decisions),
        "case entries": len(entries),
        "notifications": len(notifications),
    }


def _incidents_plan(world: World) -> tuple[list[Incident], list]:
    """Two years of reports a school, with who each goes to and when it was acknowledged."""
    size, rng, now = world.size, world.rng, world.now
    incidents, plans = [], []
    for sp in world.people:
        staff = sp.users[len(LEADERS) :] or sp.users
        officers = world.trust_officers.get(sp.school.trust_id, {})
        for _ in range(size.incidents_per_school):
            category = pick(rng, CATEGORY_MIX)
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
    return bulk(Incident, incidents), plans


def _chronology(incident: Incident, at: datetime.datetime) -> list[dict]:
    """The case entries a report at its status has behind it (the fields of each, in order)."""
    chronology = [
        dict(kind=EntryKind.STATUS, status_from=Status.NEW, status_to=Status.ACKNOWLEDGED),
        dict(kind=EntryKind.OWNER, owner=incident.owner),
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
    if incident.status == Status.REFERRED or (incident.status == Status.CLOSED and incident.urgent):
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
            dict(kind=EntryKind.STATUS, status_from=Status.INVESTIGATING, status_to=Status.CLOSED)
        )
    return chronology


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
