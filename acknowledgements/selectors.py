"""Reads about sign-off, declarations and approval requests, scoped by who is asking."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from acknowledgements.models import (
    APPROVAL_CLAUSES,
    ApprovalRequest,
    ApprovalStatus,
    Declaration,
    DeclarationStatus,
    SignOff,
)
from acknowledgements.permissions import decidable
from people.models import Membership, Role, School, StaffCategory, User
from policies.models import Audience, Clause, PolicyVersion, VersionStatus, clause_anchor

DEFAULT_SIGNOFF_DAYS = 28


@dataclass
class Outstanding:
    version: PolicyVersion
    deadline: datetime.date
    last_signed: SignOff | None  # their sign-off of an earlier version, if any

    @property
    def overdue(self) -> bool:
        return self.deadline < timezone.localdate()


def _applying_to(memberships: list[Membership]) -> Q:
    """The policies that apply to a person with these memberships: their schools' and trusts'."""
    school_ids = {m.school_id for m in memberships if m.school_id}
    trust_ids = {m.trust_id for m in memberships if m.trust_id}
    trust_ids |= {m.school.trust_id for m in memberships if m.school_id and m.school.trust_id}
    return Q(policy__school_id__in=school_ids) | Q(policy__trust_id__in=trust_ids)


def current_versions_for(memberships: list[Membership]) -> list[PolicyVersion]:
    if not memberships:
        return []
    return list(
        PolicyVersion.objects.filter(
            _applying_to(memberships),
            status=VersionStatus.PUBLISHED,
            policy__audience=Audience.STAFF,
        ).select_related("policy", "policy__school", "policy__trust")
    )


def current_versions_for_school(school: School) -> list[PolicyVersion]:
    """The published staff versions in force at a school: its own and its trust's."""
    scope = Q(policy__school=school)
    if school.trust_id:
        scope |= Q(policy__trust_id=school.trust_id)
    return list(
        PolicyVersion.objects.filter(
            scope, status=VersionStatus.PUBLISHED, policy__audience=Audience.STAFF
        ).select_related("policy")
    )


def _covers(membership: Membership, policy) -> bool:
    if policy.school_id:
        return membership.school_id == policy.school_id
    school_trust = membership.school.trust_id if membership.school_id else None
    return policy.trust_id in (membership.trust_id, school_trust)


def _deadline(version: PolicyVersion, memberships: list[Membership]) -> datetime.date:
    """Counted from publication, or from a new joiner's start date if that is later."""
    relevant = [m for m in memberships if _covers(m, version.policy)]
    published = timezone.localdate(version.published_at)
    joined = min((m.starts_on for m in relevant), default=published)
    started = max(published, joined)
    school = version.policy.school or next((m.school for m in relevant if m.school_id), None)
    days = school.signoff_days if school else DEFAULT_SIGNOFF_DAYS
    return started + datetime.timedelta(days=days)


def outstanding_for(user: User, memberships: list[Membership]) -> list[Outstanding]:
    """Current versions the person must sign and has not, soonest deadline first (2 queries)."""
    versions = current_versions_for(memberships)
    if not versions:
        return []
    signed = list(
        SignOff.objects.filter(user=user, version__policy__in=[v.policy_id for v in versions])
        .select_related("version")
        .order_by("version__number")
    )
    signed_ids = {s.version_id for s in signed}
    latest = {s.version.policy_id: s for s in signed}
    items = [
        Outstanding(v, _deadline(v, memberships), latest.get(v.policy_id))
        for v in versions
        if v.pk not in signed_ids
    ]
    return sorted(items, key=lambda item: item.deadline)


def signoffs_for(user: User) -> list[SignOff]:
    return list(
        SignOff.objects.filter(user=user).select_related(
            "version", "version__policy", "version__policy__school", "version__policy__trust"
        )
    )


# The Head's view.


@dataclass
class SignOffRow:
    user: User
    category: str
    signoff: SignOff | None


def signoff_status(
    school: School, version: PolicyVersion, *, category: str = ""
) -> list[SignOffRow]:
    """Everyone at the school with whether and when they signed this version (2 queries)."""
    memberships = (
        Membership.objects.current()
        .filter(school=school)
        .select_related("user")
        .order_by("user__full_name", "role")
    )
    if category:
        memberships = memberships.filter(staff_category=category)
    by_user: dict[int, Membership] = {}
    for membership in memberships:
        by_user.setdefault(membership.user_id, membership)
    signoffs = {s.user_id: s for s in SignOff.objects.filter(version=version, user_id__in=by_user)}
    return [
        SignOffRow(m.user, StaffCategory(m.staff_category).label, signoffs.get(user_id))
        for user_id, m in by_user.items()
    ]


def pending_declarations(user: User) -> QuerySet[Declaration]:
    return (
        decidable(Declaration, user)
        .filter(status=DeclarationStatus.PENDING)
        .select_related("user", "school")
        .order_by("created_at")
    )


def pending_requests(user: User) -> QuerySet[ApprovalRequest]:
    return (
        decidable(ApprovalRequest, user)
        .filter(status=ApprovalStatus.PENDING)
        .select_related("user", "school")
        .order_by("created_at")
    )


def declarations_for(user: User) -> list[Declaration]:
    return list(Declaration.objects.filter(user=user).select_related("school"))


def requests_for(user: User) -> list[ApprovalRequest]:
    return list(ApprovalRequest.objects.filter(user=user).select_related("school"))


def schools_headed_by(user: User) -> list[School]:
    return list(
        School.objects.filter(
            memberships__in=Membership.objects.current().filter(user=user, role=Role.HEAD)
        ).distinct()
    )


# What the declaration and request forms cite: the reader's own school's clauses.


@dataclass
class Citation:
    label: str  # "§6.7–6.9", or a section heading in quotes for a policy of unnumbered text
    url: str  # the first of them, in the policy as published


def _numbered_ranges(keys: list[str]) -> list[str]:
    """["6.7", "6.8", "6.9", "8.1"] → ["6.7–6.9", "8.1"]: consecutive clauses of one section
    read as a range, as the policies themselves cite them."""
    ranges: list[list[str]] = []
    for key in keys:
        section, _, number = key.rpartition(".")
        if ranges and number.isdigit():
            last_section, _, last_number = ranges[-1][-1].rpartition(".")
            if (
                last_section == section
                and last_number.isdigit()
                and int(number) == int(last_number) + 1
            ):
                ranges[-1].append(key)
                continue
        ranges.append([key])
    return [f"{r[0]}–{r[-1]}" if len(r) > 1 else r[0] for r in ranges]


def _clause_rows(schools: list[School], keys: list[str]) -> list[tuple]:
    """The clauses with these keys in the current staff policies in force at these schools
    (their own and their trusts'), in policy order (one query)."""
    trust_ids = {s.trust_id for s in schools if s.trust_id}
    return list(
        Clause.objects.filter(
            Q(version__policy__school__in=schools) | Q(version__policy__trust_id__in=trust_ids),
            key__in=keys,
            version__status=VersionStatus.PUBLISHED,
            version__policy__audience=Audience.STAFF,
        )
        .order_by("version__policy__title", "position")
        .values_list(
            "version__policy_id", "version__policy__school_id", "version__policy__trust_id",
            "key", "section",
        )
    )  # fmt: skip


def _cite(rows: list[tuple], school: School) -> list[Citation]:
    here = [r for r in rows if r[1] == school.pk or (r[2] and r[2] == school.trust_id)]
    numbered = [r for r in here if r[3][:1].isdigit()]
    citations = []
    for label in _numbered_ranges([r[3] for r in numbered]):
        first = next(r for r in numbered if r[3] == label.split("–")[0])
        citations.append(Citation(f"§{label}", _clause_url(first[0], first[3])))
    seen_sections = set()
    for policy_id, _school, _trust, key, section in here:
        if not key[:1].isdigit() and section not in seen_sections:
            seen_sections.add(section)
            citations.append(Citation(f"“{section}”", _clause_url(policy_id, key)))
    return citations


def citations_at(schools: list[School], keys: list[str]) -> dict[int, list[Citation]]:
    """For each school, by id: its policy's clauses with these keys, as citations linked to
    the clause (one query). A school whose policy has none of them gets an empty list:
    nothing is cited that is not in the reader's own policy."""
    rows = _clause_rows(schools, keys)
    return {school.pk: _cite(rows, school) for school in schools}


def approval_citations(schools: list[School]) -> dict[str, dict[int, list[Citation]]]:
    """For each kind of prior approval: each school's clauses it comes from (one query)."""
    rows = _clause_rows(schools, [key for keys in APPROVAL_CLAUSES.values() for key in keys])
    return {
        kind: {school.pk: _cite([r for r in rows if r[3] in keys], school) for school in schools}
        for kind, keys in APPROVAL_CLAUSES.items()
    }


def _clause_url(policy_id: int, key: str) -> str:
    return reverse("policies:read", args=[policy_id]) + "#" + clause_anchor(key)
