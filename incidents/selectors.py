"""Reads of reports, scoped by who is asking; each a fixed number of queries."""

import datetime
import functools
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from incidents.models import (
    CaseEntry,
    EntryKind,
    Evidence,
    Incident,
    RoutingDecision,
    Support,
    role_title,
)
from incidents.routing import route
from incidents.rules import RULES, ClauseRef
from lib.prepared import Paginated, Prepared, prepared
from notifications.models import Channel, Notification
from notifications.models import Status as Delivery
from people.models import Membership, Role, School, User
from policies.models import Clause, VersionStatus
from policies.permissions import readable


def cases_visible_to(user: User | int, on: datetime.date | None = None) -> QuerySet[Incident]:
    """The cases that reach this person today (or on a day): routed (or escalated, or passed) to
    them as a role they still hold at the case's school or its trust. A person whose role ended
    sees none of the cases it brought them; the subject of a case never sees it. One query."""
    role_held_now = (
        Membership.objects.current(on)
        .filter(user=user, role=OuterRef("role"))
        .filter(
            Q(school=OuterRef("incident__school")) | Q(trust=OuterRef("incident__school__trust"))
        )
    )
    reaches_them = RoutingDecision.objects.filter(incident=OuterRef("pk"), recipient=user).filter(
        Exists(role_held_now)
    )
    return Incident.objects.filter(Exists(reaches_them)).exclude(subject_user=user)


def routing_of(incident: Incident) -> list[RoutingDecision]:
    """The case's routing decisions with their recipients, in order, each knowing whether its
    recipient still holds the role it reached them as (`holds_role`): one query, once for each
    incident read (the case page asks who may see the case, who may own it, and shows them)."""
    if not hasattr(incident, "_routing"):
        school = incident.school
        decisions = _routing.all(
            incident=incident.pk, school=school.pk, trust=school.trust_id,
            today=timezone.localdate(),
        )  # fmt: skip
        incident._routing = _of(incident, decisions)
    return incident._routing


def _of(incident: Incident, rows: list) -> list:
    """Rows read by the incident's key, knowing their incident (as its related manager's do)."""
    for row in rows:
        row.incident = incident
    return rows


@prepared(incident=int, school=int, trust=int | None, today=datetime.date)
def _routing(
    incident: int, school: int, trust: int | None, today: datetime.date
) -> QuerySet[RoutingDecision]:
    held = (
        Membership.objects.current(today)
        .covering(School(pk=school, trust_id=trust))
        .filter(user=OuterRef("recipient"), role=OuterRef("role"))
    )
    # In the model's order ("incident", "position"), without the join that ordering by the
    # incident would cost.
    return (
        RoutingDecision.objects.filter(incident=incident)
        .select_related("recipient")
        .annotate(holds_role=Exists(held))
        .order_by("position")
    )


def reaching(incident: Incident) -> list[User]:
    """Who the case reaches today, by name: its recipients who still hold the role it reached
    them as, never its subject (the rule of cases_visible_to, read from the case's routing):
    the people who may see the case and own it."""
    people = {
        d.recipient_id: d.recipient
        for d in routing_of(incident)
        if d.holds_role and d.recipient_id != incident.subject_user_id
    }
    # By name (then, for the same name, by primary key).
    return sorted(people.values(), key=lambda user: (user.full_name, user.pk))


def reports_for_recipient(user: User) -> QuerySet[Incident]:
    """The reports that reach this person, newest first, with their school: one query."""
    return cases_visible_to(user).select_related("school").order_by("-created_at", "-pk")


def reports_by(user: User) -> list[Incident]:
    """The person's own reports with how many files each has, newest first: one query."""
    return list(
        Incident.objects.filter(reporter=user)
        .select_related("school")
        .annotate(evidence_count=Count("evidence"))
        .order_by("-created_at", "-pk")
    )


@dataclass
class Case:
    incident: Incident
    evidence: list[Evidence]
    decisions: list[RoutingDecision]
    sent: list[Notification]  # every notification about it that has gone out

    def unread_by(self, user: User) -> bool:
        """Whether the person has an in-app notification about the case still unread."""
        return any(
            n.recipient_id == user.pk and n.channel == Channel.IN_APP and n.read_at is None
            for n in self.sent
        )


CASE_RELATIONS = ("school", "reporter", "subject_user", "affected_user", "owner")


def case_for(incident: Incident) -> Case:
    """What a recipient sees of a report: the report, its files, its routing and the
    notifications sent about it (3 queries, or 4 when the incident was not read with
    CASE_RELATIONS)."""
    if any(not Incident._meta.get_field(name).is_cached(incident) for name in CASE_RELATIONS):
        incident = case_report.one(pk=incident.pk)
    return Case(
        incident=incident,
        evidence=_of(incident, _evidence.all(incident=incident.pk)),
        decisions=routing_of(incident),
        sent=_sent.all(incident=incident.pk),
    )


@prepared(pk=int)
def case_report(pk: int) -> QuerySet[Incident]:
    """The report with everything the case page shows of it (CASE_RELATIONS)."""
    return Incident.objects.select_related(*CASE_RELATIONS).filter(pk=pk).order_by()


# In the models' order ("incident", then the file's or the entry's own), without the join that
# ordering by the incident would cost.
@prepared(incident=int)
def _evidence(incident: int) -> QuerySet[Evidence]:
    return Evidence.objects.filter(incident=incident).select_related("uploaded_by").order_by("pk")


@prepared(incident=int)
def _sent(incident: int) -> QuerySet[Notification]:
    return Notification.objects.filter(incident=incident, status=Delivery.SENT).select_related(
        "recipient"
    )


@prepared(incident=int)
def _entries(incident: int) -> QuerySet[CaseEntry]:
    return (
        CaseEntry.objects.filter(incident=incident)
        .select_related("author", "owner", "corrects")
        .order_by("at", "pk")
    )


def people_of_schools(schools: list[School]) -> QuerySet[User]:
    """The adults a report can name: everyone with a role at the schools, or over them, today."""
    scope = Q(school__in=schools) | Q(trust__in={s.trust_id for s in schools if s.trust_id})
    return (
        User.objects.filter(
            is_active=True, memberships__in=Membership.objects.current().filter(scope)
        )
        .distinct()
        .order_by("full_name")
    )


@dataclass
class RoutePreview:
    receives: list[str]  # the roles that would receive the report, as the school names them
    waiting_for: list[str]  # when nobody can: the roles whose filling would route it


def route_preview(*, school: School, category: str, subject: User | None) -> RoutePreview:
    """Who a report would go to, by role only, before it is sent (two queries)."""
    decisions = route(school=school, category=category, subject=subject)
    receives = [role_title(d.role, school) for d in decisions if d.recipient is not None]
    if receives:
        return RoutePreview(list(dict.fromkeys(receives)), [])
    vacant = [title for d in decisions for title in d.vacant]
    return RoutePreview([], list(dict.fromkeys(vacant)))


@dataclass
class Recipient:
    role: str
    name: str | None


def recipients_for_reporter(incident: Incident) -> list[Recipient]:
    """Who a report went to, as the reporter is told: by role only when the report is about one
    of the school's people, so nothing about the routing can point back at them."""
    reached = {person.pk for person in reaching(incident)}
    decisions = [d for d in routing_of(incident) if d.recipient_id in reached]
    by_role = incident.subject_user_id is not None
    recipients, seen = [], set()
    for decision in decisions:
        if decision.recipient is None:
            continue
        title = role_title(decision.role, incident.school)
        name = None if by_role else decision.recipient.full_name
        if (title, name) not in seen:
            seen.add((title, name))
            recipients.append(Recipient(title, name))
    return recipients


@dataclass
class ClauseLink:
    label: str
    url: str | None


def _matches(ref: ClauseRef, clause_key: str, section: str) -> bool:
    if ref.is_number:
        return clause_key == ref.ref or (
            "." not in ref.ref and clause_key.startswith(ref.ref + ".")
        )
    return _words(section).startswith(_words(ref.ref))


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("’", "'")).strip()


def clause_links(user: User) -> dict[str, list[ClauseLink]]:
    """Each category's clauses, linked to the first matching clause of the current versions of
    the policies this person reads (one query). A clause no policy has is left out; a category
    none of whose clauses is found shows them all, unlinked."""
    clauses = list(
        Clause.objects.filter(
            readable(user, "version__policy__"), version__status=VersionStatus.PUBLISHED
        )
        .order_by("version__policy__title", "position")
        .values_list("version__policy_id", "key", "section")
    )
    links: dict[str, list[ClauseLink]] = {}
    for category, rule in RULES.items():
        found = []
        for ref in rule.clauses:
            for policy_id, key, section in clauses:
                if _matches(ref, key, section):
                    anchor = Clause(key=key).anchor
                    url = reverse("policies:read", args=[policy_id]) + "#" + anchor
                    found.append(ClauseLink(ref.label, url))
                    break
        links[category] = found or [ClauseLink(ref.label, None) for ref in rule.clauses]
    return links


# Triage


@dataclass
class QueueTally:
    """How many of the cases reaching a person are at each school in each status (one query):
    the queue's status counts, the schools it can be filtered by, and most pages' case count."""

    counts: dict[tuple[int, str], int]
    names: dict[int, str]  # the schools' names, for the filter

    @classmethod
    def of(cls, viewer: User) -> "QueueTally":
        counts, names = {}, {}
        for school, name, status, n in _tally.all(viewer=viewer.pk, today=timezone.localdate()):
            counts[school, status] = n
            names[school] = name
        return cls(counts, names)

    def by_status(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for (_, status), n in self.counts.items():
            totals[status] += n
        return dict(totals)

    def schools(self) -> list[tuple[int, str]]:
        """The schools of the cases, as (primary key, name), by name."""
        return sorted(self.names.items(), key=lambda school: (school[1], school[0]))

    def matching(self, filters: dict) -> int | None:
        """How many cases the filters leave, when the tally alone can say (by status and
        school); None when another filter needs the cases counted."""
        if any(filters.get(name) for name in ("category", "urgency", "owner")):
            return None
        status, school = filters.get("status"), filters.get("school")
        return sum(
            n
            for (school_id, case_status), n in self.counts.items()
            if (not status or case_status == status) and (not school or school_id == school)
        )


@prepared(viewer=int, today=datetime.date)
def _tally(viewer: int, today: datetime.date) -> QuerySet[Incident]:
    return (
        cases_visible_to(viewer, today)
        .order_by()
        .values_list("school", "school__name", "status")
        .annotate(n=Count("pk"))
    )


def cases_for_queue(
    *, viewer: User | int, filters: dict, on: datetime.date | None = None
) -> QuerySet[Incident]:
    """The cases routed to this person (also by escalation), across all their schools, filtered,
    most urgent then oldest first."""
    cases = cases_visible_to(viewer, on)
    if filters.get("status"):
        cases = cases.filter(status=filters["status"])
    if filters.get("category"):
        cases = cases.filter(category=filters["category"])
    if filters.get("urgency"):
        cases = cases.filter(urgent=filters["urgency"] == "urgent")
    if filters.get("school"):
        cases = cases.filter(school_id=filters["school"])
    owner = filters.get("owner")
    if owner == "me":
        cases = cases.filter(owner=viewer)
    elif owner == "nobody":
        cases = cases.filter(owner__isnull=True)
    # The schools' names come from the tally (QueueTally.names), not a join for each case
    # (a case at a school the tally did not count, routed between the two, reads its own).
    return cases.select_related("owner").order_by("-urgent", "created_at", "pk")


# What a row of the queue shows (templates_jinja2/incidents/queue_results.html): not each case's
# text and the rest of its columns, 25 times over.
QUEUE_COLUMNS = ("urgent", "escalated_at", "category", "status", "created_at", "school",
                 "owner__full_name")  # fmt: skip
# The filters whose values are the queue query's parameters; the others choose its shape.
QUEUE_VALUES = {"status": str, "category": str, "school": int}


def queue_cases(*, viewer: User, filters: dict) -> Paginated[Incident]:
    """cases_for_queue as the queue's pages read it: its rows' columns, a page at a time, from
    a query prepared once for each combination of filters (lib/prepared.py)."""
    valued = {name: filters[name] for name in QUEUE_VALUES if filters.get(name)}
    query = queue_query(tuple(valued), filters.get("urgency") or "", filters.get("owner") or "")
    return query.paginated(viewer=viewer.pk, today=timezone.localdate(), **valued)


@functools.cache
def queue_query(valued: tuple[str, ...], urgency: str, owner: str) -> Prepared[Incident]:
    """The queue's query with these filters given values (`valued`), and this urgency and owner
    filter (or none: "")."""

    def build(viewer: int, today: datetime.date, **values: object) -> QuerySet[Incident]:
        shaped = {"urgency": urgency, "owner": owner}
        return cases_for_queue(viewer=viewer, filters=values | shaped, on=today).only(
            *QUEUE_COLUMNS
        )

    build.__name__ = f"queue_query{(valued, urgency, owner)}"
    kinds = {"viewer": int, "today": datetime.date} | {n: QUEUE_VALUES[n] for n in valued}
    return Prepared(build, kinds)


# Roles that receive reports: their holders have a queue, even while it is empty.
RECEIVING_ROLES = [
    Role.HEAD,
    Role.DEPUTY_HEAD,
    Role.DSL,
    Role.DEPUTY_DSL,
    Role.CHAIR,
    Role.VICE_CHAIR,
    Role.TRUST_HR,
]


def has_queue(user: User) -> bool:
    """Whether the person has a triage queue: they hold a role that receives reports, or a case
    reaches them today (one query)."""
    return (
        Membership.objects.current().filter(user=user, role__in=RECEIVING_ROLES).exists()
        or cases_visible_to(user).exists()
    )


@dataclass
class ChronologyItem:
    at: object
    what: str
    who: str = ""
    text: str = ""
    detail: str = ""
    entry: object = None


def chronology(case: Case) -> list[ChronologyItem]:
    """Everything that happened to a case, in time order: the report, its routing, evidence,
    notifications sent, and every entry of triage (1 query more than case_for)."""
    incident = case.incident
    items = [ChronologyItem(incident.created_at, "Report made", incident.reporter.full_name)]
    for decision in case.decisions:
        items.append(
            ChronologyItem(
                decision.decided_at,
                f"Routed to {decision.recipient.full_name if decision.recipient else 'nobody'}",
                detail=decision.reason,
            )
        )
    for file in case.evidence:
        items.append(
            ChronologyItem(file.uploaded_at, "Evidence added", file.uploaded_by.full_name,
                           detail=f"{file.original_name}, SHA-256 {file.sha256}")
        )  # fmt: skip
    for sent in case.sent:
        items.append(
            ChronologyItem(
                sent.sent_at, f"Notification sent ({sent.get_channel_display().lower()})",
                detail=f"to {sent.recipient.full_name}: {sent.title}",
            )
        )  # fmt: skip
    for entry in _of(incident, _entries.all(incident=incident.pk)):
        items.append(
            ChronologyItem(
                entry.at,
                _entry_heading(entry),
                entry.author.full_name if entry.author else "The portal",
                text=entry.text,
                detail=_entry_detail(entry),
                entry=entry,
            )
        )
    return sorted(items, key=lambda item: item.at)


def _entry_heading(entry: CaseEntry) -> str:
    if entry.kind == EntryKind.STATUS:
        was, now = entry.get_status_from_display(), entry.get_status_to_display()
        return f"Status: {was.lower()} → {now.lower()}"
    if entry.kind == EntryKind.OWNER:
        return f"Owner: {entry.owner.full_name}"
    if entry.kind == EntryKind.REFERRAL:
        return f"Referred to {entry.get_agency_display()}"
    if entry.kind == EntryKind.CORRECTION:
        # Stored in UTC; a person reads the clock on the wall (and the case page's local times).
        corrected = date_format(timezone.localtime(entry.corrects.at), "j M Y, H:i")
        return f"Correction to the entry of {corrected}"
    return entry.get_kind_display()


def _entry_detail(entry: CaseEntry) -> str:
    if entry.kind == EntryKind.REFERRAL:
        reference = f", their reference {entry.reference}" if entry.reference else ""
        # "1 December 2026", as every other date on the case page (not strftime's "01").
        return f"on {date_format(entry.referred_on, 'j F Y')}{reference}"
    if entry.kind == EntryKind.OUTCOME:
        return entry.get_disciplinary_display()
    if entry.kind == EntryKind.SUPPORT:
        return ", ".join(Support(s).label for s in entry.support)
    return ""
