"""Reads about concerns about adults, scoped by who is asking; each a fixed number of queries."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from acknowledgements.models import SignOff
from allegations.models import (
    Allegation,
    LowLevelConcern,
    LowLevelConcernResponse,
    SchoolSettings,
)
from incidents.models import CaseAccess, Incident, SubjectKind
from incidents.routing import Decision, People, route
from incidents.rules import RULES
from incidents.selectors import _matches  # the one reading of a clause reference, shared
from lib.dates import years_after
from lib.prepared import prepared
from people.models import Membership, Role, School, User
from policies.text import clause_texts

# A low-level concern goes where a breach of the policy by an adult goes (the Head, or the
# Chair when it is about the Head): routing's rules, so never to the subject or anyone who
# answers to them.
CASE_MANAGER_CATEGORY = "breach"


def case_manager_for(incident: Incident, people: People | None = None) -> Decision | None:
    """Who manages an allegation today (KCSIE Part 4): the Head, or the Chair of Governors when
    it is about the Head, with routing's fallbacks; never the subject nor anyone who answers to
    them. None when nobody in the portal can (one query, none with `people`)."""
    return next(
        (
            decision
            for decision in route(
                school=incident.school,
                category=CASE_MANAGER_CATEGORY,
                subject=incident.subject_user,
                people=people,
            )
            if decision.recipient is not None
        ),
        None,
    )


def answer_to(subject: User, people: People) -> set[int]:
    """Everyone at the school who answers to the subject (routing's rule, `ANSWERS_TO`)."""
    return people.answering_to(subject)


def safeguarding_readers(incident: Incident, people: People) -> list[User]:
    """The school's DSLs, who read an allegation for the child's welfare: never the subject,
    nor a DSL who answers to the subject (a concern about the Head is kept from the DSL)."""
    subject = incident.subject_user
    excluded = answer_to(subject, people) | {subject.pk}
    return [user for user in people.at_school.get(Role.DSL, []) if user.pk not in excluded]


@dataclass
class Access:
    """What one person may do with one allegation."""

    manager: bool = False  # decide, record and download the bundle
    escalated: bool = False  # received it because the LADO was not contacted in time: may act
    reader: bool = False  # the DSL: reads, for the child's welfare

    @property
    def sees(self) -> bool:
        return self.manager or self.escalated or self.reader

    @property
    def acts(self) -> bool:
        return self.manager or self.escalated


def access_of(
    user: User, incident: Incident, allegation: Allegation | None, people: People
) -> Access:
    if incident.subject_kind != SubjectKind.ADULT or incident.subject_user_id == user.pk:
        return Access()  # the adult concerned never sees it, whatever roles they hold
    manager = case_manager_for(incident, people)
    escalated = allegation is not None and allegation.escalated_to.filter(pk=user.pk).exists()
    # An escalation recipient acts only while they may receive a case about the subject.
    if escalated and user.pk in answer_to(incident.subject_user, people):
        escalated = False
    return Access(
        manager=manager is not None and manager.recipient == user,
        escalated=escalated,
        reader=user in safeguarding_readers(incident, people),
    )


def allegations_for(user: User) -> list[Allegation]:
    """The allegations this person manages, reads or was escalated: those at the schools where
    they hold a role that can, checked one by one (a person holds roles at few schools)."""
    schools = School.objects.filter(
        Q(memberships__in=Membership.objects.current().filter(user=user))
        | Q(trust__memberships__in=Membership.objects.current().filter(user=user))
    ).distinct()
    candidates = list(
        Allegation.objects.filter(incident__school__in=schools)
        .exclude(incident__subject_user=user)
        .select_related("incident__school", "incident__subject_user", "case_manager")
        .prefetch_related("escalated_to")
        .order_by("-opened_at", "-pk")
    )
    people_by_school: dict[int, People] = {}
    visible = []
    for allegation in candidates:
        incident = allegation.incident
        people = people_by_school.get(incident.school_id)
        if people is None:
            people = people_by_school[incident.school_id] = People.of(incident.school)
        manager = case_manager_for(incident, people)
        if (
            (manager and manager.recipient == user)
            or user in allegation.escalated_to.all()
            or user in safeguarding_readers(incident, people)
        ):
            visible.append(allegation)
    return visible


# Low-level concerns


def settings_for(school: School) -> SchoolSettings:
    """The school's settings, or the defaults (unsaved) when it has none."""
    return SchoolSettings.objects.filter(school=school).first() or SchoolSettings(school=school)


def low_level_handler(school: School, subject: User) -> User | None:
    """Who receives a low-level concern: the person the school names, unless the concern is
    about them or they answer to its subject; else the Head (the Chair when it is about the
    Head), by routing's rules."""
    people = People.of(school)
    named = settings_for(school).low_level_handler
    if (
        named is not None
        and named.is_active
        and named.pk != subject.pk
        and named.pk not in answer_to(subject, people)
        and people.roles_of(named)
    ):
        return named
    decision = next(
        (
            d
            for d in route(
                school=school, category=CASE_MANAGER_CATEGORY, subject=subject, people=people
            )
            if d.recipient
        ),
        None,
    )
    return decision.recipient if decision else None


def concerns_handled_by(user: User) -> QuerySet[LowLevelConcern]:
    """The low-level concerns that went to this person, newest first, each with its latest
    response and how many concerns there are about the same adult (one query, and one for the
    responses)."""
    return (
        LowLevelConcern.objects.filter(handler=user)
        .exclude(subject=user)
        .select_related("school", "subject", "raised_by")
        .prefetch_related(
            Prefetch("responses", queryset=LowLevelConcernResponse.objects.select_related("by"))
        )
        .order_by("-raised_at", "-pk")
    )


@dataclass
class Pattern:
    count: int
    threshold: int
    months: int
    since: datetime.date

    @property
    def flagged(self) -> bool:
        return self.count >= self.threshold


def concerns_about(subject: User, school: School) -> QuerySet[LowLevelConcern]:
    return (
        LowLevelConcern.objects.filter(school=school, subject=subject)
        .select_related("raised_by", "handler")
        .prefetch_related(
            Prefetch("responses", queryset=LowLevelConcernResponse.objects.select_related("by"))
        )
        .order_by("-raised_at", "-pk")
    )


def pattern_of(concern: LowLevelConcern, concerns: list[LowLevelConcern]) -> Pattern:
    """How many concerns about the adult were raised in the school's period up to this one."""
    setting = settings_for(concern.school)
    day = timezone.localdate(concern.raised_at)
    since = _months_before(day, setting.pattern_months)
    count = sum(
        1
        for other in concerns
        if since < timezone.localdate(other.raised_at) <= day
        and other.raised_at <= concern.raised_at
    )
    return Pattern(count, setting.pattern_count, setting.pattern_months, since)


def _months_before(day: datetime.date, months: int) -> datetime.date:
    years, months = divmod(months, 12)
    year, month = day.year - years, day.month - months
    if month < 1:
        year, month = year - 1, month + 12
    try:
        return day.replace(year=year, month=month)
    except ValueError:  # 31 March less one month: the last day of February
        return (day.replace(year=year, month=month, day=1) + datetime.timedelta(days=31)).replace(
            day=1
        ) - datetime.timedelta(days=1)


def has_left(subject: User, school: School) -> bool:
    """Whether the adult no longer works at the school: their concerns are then reviewed."""
    return not Membership.objects.not_ended().covering(school).filter(user=subject).exists()


# What the adult signed


@dataclass
class SignedClause:
    key: str
    section: str
    text: str


@dataclass
class SignedRecord:
    signoff: SignOff | None
    cited: list[str] = field(default_factory=list)  # the clause references the category cites
    clauses: list[SignedClause] = field(default_factory=list)


def signed_record(incident: Incident) -> SignedRecord:
    """The policy version the adult last signed at the case's school (or its trust), when, and
    the exact text of the clauses the report's category cites, as that version has them (two
    queries). Published versions are never changed, so this is what they read."""
    rule = RULES[incident.category]
    cited = [ref.label for ref in rule.clauses]
    school, user = incident.school, incident.subject_user_id
    # An adult the portal does not know has signed nothing in it.
    signoff = _signed.one(user=user, school=school.pk, trust=school.trust_id) if user else None
    if signoff is None:
        return SignedRecord(None, cited)
    # A published version's clauses never change: read through the policy text cache.
    clauses = [
        SignedClause(c.key, c.section, c.text)
        for c in clause_texts(signoff.version)
        if any(_matches(ref, c.key, c.section) for ref in rule.clauses)
    ]
    return SignedRecord(signoff, cited, clauses)


@prepared(user=int, school=int, trust=int | None)
def _signed(user: int, school: int, trust: int | None) -> QuerySet[SignOff]:
    scope = Q(version__policy__school=school)
    if trust is not None:
        scope |= Q(version__policy__trust=trust)
    return (
        SignOff.objects.filter(scope, user=user)
        .select_related("version__policy")
        .order_by("-signed_at", "-pk")[:1]
    )


# Retention


def kept_until(allegation: Allegation) -> datetime.date | None:
    """The day an allegation's record may go: the adult's normal retirement date or 10 years
    from the allegation, whichever is later (KCSIE Part 4; incidents/retention.py deletes it
    then). None while the retirement date is unknown: it is kept."""
    retires = allegation.incident.subject_user.retirement_on
    if retires is None:
        return None
    return max(retires, years_after(timezone.localdate(allegation.incident.created_at), 10))


def access_log(incident: Incident) -> QuerySet[CaseAccess]:
    return CaseAccess.objects.filter(incident=incident).select_related("user", "evidence")
