"""Cases follow the roles that hold them.

A routing decision lets its recipient see a case only while they hold the role it reached them
as (incidents/selectors.py `cases_visible_to`), so a DSL whose role ends, or a Head who moves to
another school, loses the school's cases at once. `cases_reroute` gives them to the people the
routing rules name today: a new holder of the role receives every case it brought its
predecessor, and a report that nobody could receive (an unrouted one, waiting) reaches the first
person to fill an eligible role. Each change is a chronology entry; open cases are notified,
closed ones pass silently to the role that now holds them.

It runs when memberships are written (people.signals.memberships_changed, after the commit) and
every hour for the schools whose memberships start or end by date.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from incidents.models import (
    CaseEntry,
    Category,
    EntryKind,
    Incident,
    RoutingDecision,
    Status,
    role_title,
)
from incidents.routing import Decision, People, route
from notifications.models import Kind
from notifications.services import email_queue, notifications_create
from people.models import Membership, Role, School, User

logger = logging.getLogger(__name__)


def _held(people: People) -> set[tuple[int, str]]:
    return {
        (user.pk, role)
        for holders in (people.at_school, people.at_trust)
        for role, users in holders.items()
        for user in users
    }


def _names(users: list[User]) -> str:
    return ", ".join(user.full_name for user in users)


@transaction.atomic
def cases_reroute(*, school: School, on: datetime.date | None = None) -> int:
    """Give every case of the school to the people its rules name today, where they do not have
    it yet. Returns how many cases changed. Idempotent: a second run changes nothing."""
    people = People.of(school, on)
    held = _held(people)
    decisions: dict[int, list[RoutingDecision]] = defaultdict(list)
    for decision in RoutingDecision.objects.filter(incident__school=school).select_related(
        "recipient"
    ):
        decisions[decision.incident_id].append(decision)
    changed = 0
    incidents = (
        Incident.objects.filter(school=school)
        .select_for_update(of=("self",))
        .select_related("school", "subject_user", "affected_user", "reporter", "owner")
        .order_by("pk")
    )
    for incident in incidents:
        if _reroute_one(incident, decisions[incident.pk], people, held):
            changed += 1
    if changed:
        logger.info("Cases at school %s passed to today's role holders: %s", school.pk, changed)
    return changed


def _reroute_one(
    incident: Incident,
    existing: list[RoutingDecision],
    people: People,
    held: set[tuple[int, str]],
) -> bool:
    def reaches(decision: RoutingDecision) -> bool:
        return (
            decision.recipient_id is not None
            and decision.recipient_id != incident.subject_user_id
            and (decision.recipient_id, decision.role) in held
        )

    reached = {d.recipient_id for d in existing if reaches(d)}
    wanted = route(
        school=incident.school,
        category=incident.category,
        subject=incident.subject_user,
        affected=incident.affected_user or incident.reporter,
        people=people,
    )
    fresh: list[Decision] = [
        d for d in wanted if d.recipient is not None and d.recipient.pk not in reached
    ]
    owner_left = incident.owner_id is not None and incident.owner_id not in (
        reached | {d.recipient.pk for d in fresh}
    )
    if not fresh and not owner_left:
        return False

    parts = []
    if fresh:
        waiting = not reached
        position = max((d.position for d in existing), default=-1) + 1
        lead = (
            "Routed now that the role is filled. "
            if waiting
            else "Passed to a new holder of the role. "
        )
        RoutingDecision.objects.bulk_create(
            RoutingDecision(
                incident=incident,
                recipient=d.recipient,
                role=d.role,
                reason=lead + d.reason,
                position=position + offset,
            )
            for offset, d in enumerate(fresh)
        )
        titles = sorted({role_title(d.role, incident.school) for d in fresh})
        parts.append(
            f"{_names([d.recipient for d in fresh])} now receive it as {', '.join(titles)}"
        )
        gone = {d.recipient for d in existing if d.recipient and d.recipient_id not in reached}
        if gone:
            parts.append(
                f"{_names(sorted(gone, key=lambda u: u.full_name))} no longer hold the role "
                "that brought it to them"
            )
        if waiting:
            parts.append("it had been waiting: nobody in the portal could receive it")
        if incident.status != Status.CLOSED:
            notifications_create(
                recipients=[d.recipient for d in fresh],
                kind=Kind.INCIDENT_REPORTED,
                urgent=incident.urgent,
                incident=incident,
            )
    if owner_left:
        parts.append(
            f"{incident.owner.full_name} no longer receives it, so the case has no owner until "
            "someone takes it"
        )
        incident.owner = None
        incident.save(update_fields=["owner"])
    text = "; ".join(parts)
    CaseEntry.objects.create(
        incident=incident, kind=EntryKind.HANDOVER, author=None, text=text[:1].upper() + text[1:]
    )
    audit_record(
        action=Action.CASE_CHANGED, actor=None, school=incident.school, record=incident,
        detail=f"{incident.reference}: passed to today's role holders",
    )  # fmt: skip
    return True


def schools_reroute(*, school_ids: Iterable[int] = (), trust_ids: Iterable[int] = ()) -> int:
    """Reroute the cases of these schools and of every school of these trusts. Never raises:
    a failure is logged, and the hourly run tries again."""
    schools = School.objects.filter(Q(pk__in=school_ids) | Q(trust_id__in=trust_ids))
    changed = 0
    for school in schools.select_related("trust"):
        try:
            changed += cases_reroute(school=school)
        except Exception:
            logger.exception("Could not pass the cases of school %s to its role holders", school.pk)
    return changed


def reroute_by_date(*, today: datetime.date | None = None) -> int:
    """The schools whose memberships started or ended with the last day or two (a leaver's
    last day, a new DSL's first): their cases follow the roles."""
    today = today or timezone.localdate()
    recent = Membership.objects.filter(
        Q(starts_on__range=(today - datetime.timedelta(days=1), today))
        | Q(ends_on__range=(today - datetime.timedelta(days=2), today - datetime.timedelta(days=1)))
    )
    school_ids = set(recent.filter(school__isnull=False).values_list("school_id", flat=True))
    trust_ids = set(recent.filter(trust__isnull=False).values_list("trust_id", flat=True))
    return schools_reroute(school_ids=school_ids, trust_ids=trust_ids)


def waiting_for(incident: Incident, people: People | None = None) -> list[str]:
    """The roles whose filling would route a report nobody in the portal receives, as the
    school names them; empty when someone receives it."""
    if any(d.recipient_id for d in incident.routing_decisions.all()):
        return []
    decisions = route(
        school=incident.school,
        category=incident.category,
        subject=incident.subject_user,
        affected=incident.affected_user or incident.reporter,
        people=people,
    )
    return list(dict.fromkeys(title for d in decisions for title in d.vacant))


def vacancy_contacts(incident: Incident, people: People | None = None) -> list[User]:
    """Who is told that a role needs filling when nobody can receive a report: the school's or
    trust's Data Protection Lead and the trust's Head — never the subject, nor anyone who
    answers to them."""
    people = people or People.of(incident.school)
    subject = incident.subject_user
    excluded = {subject.pk} | people.answering_to(subject) if subject else set()
    contacts: list[User] = []
    for holders in (
        people.at_school.get(Role.DPL, []),
        people.at_trust.get(Role.DPL, []),
        people.at_trust.get(Role.HEAD, []),
    ):
        contacts += [u for u in holders if u.pk not in excluded and u not in contacts]
    return contacts


def unrouted_alert(*, incident: Incident) -> list[User]:
    """Nobody in the portal can receive the report: tell its vacancy contacts that a role needs
    filling, with nothing of the report itself. Returns who was told."""
    people = People.of(incident.school)
    told = vacancy_contacts(incident, people)
    roles = waiting_for(incident, people)
    for user in told:
        email_queue(
            recipient=user,
            template="role_vacant",
            context={"school": incident.school, "roles": roles},
        )
    if told:
        logger.warning(
            "Report %s at school %s reaches nobody: %s people told a role needs filling",
            incident.pk, incident.school_id, len(told),
        )  # fmt: skip
    else:
        logger.error(
            "Report %s at school %s reaches nobody, and nobody can be told a role needs filling",
            incident.pk, incident.school_id,
        )  # fmt: skip
    return told


def reports_left_without_recipient(*, school: School, user: User, roles: set[str]) -> list[str]:
    """Which reports would reach nobody if `user` no longer held `roles` at the school (and
    did now): the people page says so before a Head makes the Chair, the DSL or the Head vacant."""
    now = People.of(school)
    after = now.without(user, roles)
    subjects: list[User | None] = [None]
    for role in (Role.HEAD, Role.CHAIR, Role.VICE_CHAIR, Role.DSL):
        subjects += [u for u in now.at_school.get(role, []) if u not in subjects]
    sentences = []
    for subject in subjects:
        lost = [
            category.label.lower()
            for category in Category
            if any(
                d.recipient
                for d in route(school=school, category=category, subject=subject, people=now)
            )
            and not any(
                d.recipient
                for d in route(school=school, category=category, subject=subject, people=after)
            )
        ]
        if not lost:
            continue
        about = "Reports" if subject is None else f"Reports about {subject.full_name}"
        kinds = "of every kind" if len(lost) == len(Category) else "of " + "; ".join(lost)
        sentences.append(f"{about} {kinds} would reach nobody in the portal.")
    return sentences


def _warn_before_roles_removed(school: School, user: User, roles: set[str], **kwargs) -> list[str]:
    return reports_left_without_recipient(school=school, user=user, roles=roles)
